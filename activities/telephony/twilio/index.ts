import type { TelephonyProviderModule } from '../types';
import { TwilioClient } from './client';
import { verifyUpgradeSignature } from './signature';
import { twilioStreamCodec } from './stream';
import { twilioWebhooks } from './webhooks';

export const twilio: TelephonyProviderModule = {
  name: 'twilio',
  client: () => new TwilioClient(),
  webhooks: twilioWebhooks,
  // Twilio signs the WebSocket upgrade like a webhook, so the socket needs no other credential.
  stream: { codec: twilioStreamCodec, authorizeUpgrade: verifyUpgradeSignature },
};
