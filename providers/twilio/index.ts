import type { TelephonyProviderModule } from '../types';
import { TwilioClient } from './client';
import { twilioEnv } from './config';
import { verifyUpgradeSignature } from './signature';
import { twilioStreamCodec } from './stream';
import { twilioWebhooks } from './webhooks';

export const twilio: TelephonyProviderModule<typeof twilioEnv> = {
  name: 'twilio',
  env: twilioEnv,
  devSecrets: [], // Twilio signs with the account's auth token, which has no default
  secrets: ['TWILIO_AUTH_TOKEN'],
  client: () => new TwilioClient(),
  webhooks: twilioWebhooks,
  // Twilio signs the WebSocket upgrade like a webhook, so the socket needs no other credential.
  stream: { codec: twilioStreamCodec, authorizeUpgrade: verifyUpgradeSignature },
};
