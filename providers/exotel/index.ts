import type { TelephonyProviderModule } from '../types';
import { ExotelClient } from './client';
import { exotelEnv } from './config';
import { exotelStreamCodec } from './stream';
import { authorizeExotelStream } from './stream-auth';
import { exotelWebhooks } from './webhooks';

export const exotel: TelephonyProviderModule<typeof exotelEnv> = {
  name: 'exotel',
  env: exotelEnv,
  devSecrets: ['EXOTEL_WEBHOOK_SECRET', 'EXOTEL_STREAM_PASSWORD'],
  secrets: ['EXOTEL_API_TOKEN'],
  client: () => new ExotelClient(),
  handoffByFlow: true,
  webhooks: exotelWebhooks,
  stream: { codec: exotelStreamCodec, authorizeUpgrade: authorizeExotelStream },
};
