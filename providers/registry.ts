// The one list of telephony providers. The provider type, the request schemas' enums, the
// configuration and the gateway's webhook and media routes all derive from it: adding a
// provider is its folder plus one line here.
import { browser } from './browser';
import { exotel } from './exotel';
import { twilio } from './twilio';
import type { TelephonyProviderModule } from './types';

export const PROVIDERS = { exotel, twilio, browser } satisfies Record<string, TelephonyProviderModule>;

export type ProviderName = keyof typeof PROVIDERS;

export const PROVIDER_NAMES = Object.keys(PROVIDERS) as [ProviderName, ...ProviderName[]];

export function providerModule(name: string): TelephonyProviderModule | undefined {
  return Object.hasOwn(PROVIDERS, name) ? PROVIDERS[name as ProviderName] : undefined;
}
