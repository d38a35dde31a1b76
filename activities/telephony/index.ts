// Telephony activities. Each provider lives in its own folder; this is the only list of them.
import { ApplicationFailure } from '@temporalio/common';
import { cache } from '../../lib/cache';
import { logger } from '../../lib/logger';
import type { TelephonyProvider } from '../../workflows/types';
import { exotel } from './exotel';
import { twilio } from './twilio';
import type { PlaceCallRequest, ProviderCallStatus, TelephonyProviderModule } from './types';

export const PROVIDERS: Partial<Record<TelephonyProvider, TelephonyProviderModule>> = { exotel, twilio };

/** Lets the gateway map a provider CallSid back to our call when a callback lacks CustomField. */
export const CALL_SID_KEY = (callSid: string) => `callsid:${callSid}`;

function provider(name: TelephonyProvider): TelephonyProviderModule {
  const module = PROVIDERS[name];
  if (!module) throw ApplicationFailure.nonRetryable(`unknown telephony provider ${name}`, 'ProviderConfig');
  return module;
}

export async function placeCall(provider_: TelephonyProvider, request: PlaceCallRequest): Promise<{ callSid: string }> {
  const placed = await provider(provider_).client().placeCall(request);
  // Best effort: failing here must not make Temporal retry a dial that already rang the phone.
  await cache()
    .set(CALL_SID_KEY(placed.callSid), request.callId, 24 * 3600)
    .catch((err) => logger.warn({ err, callId: request.callId }, 'could not cache CallSid mapping'));
  return placed;
}

export async function fetchCallStatus(provider_: TelephonyProvider, callSid: string): Promise<ProviderCallStatus> {
  return provider(provider_).client().getCallStatus(callSid);
}
