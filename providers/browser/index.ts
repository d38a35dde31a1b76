// The phone simulator as a telephony provider: a browser tab on /simulator is the telephone.
import type { TelephonyProviderModule } from '../types';
import { BrowserClient } from './client';
import { browserEnv } from './config';
import { browserStreamCodec } from './stream';
import { authorizeBrowserStream } from './stream-auth';
import { browserWebhooks } from './webhooks';

export const browser: TelephonyProviderModule<typeof browserEnv> = {
  name: 'browser',
  env: browserEnv,
  devSecrets: [], // it authenticates with the ops token, guarded with the base settings
  secrets: [],
  client: () => new BrowserClient(),
  webhooks: browserWebhooks,
  stream: { codec: browserStreamCodec, authorizeUpgrade: authorizeBrowserStream },
};
