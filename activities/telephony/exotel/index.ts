import type { TelephonyProviderModule } from '../types';
import { ExotelClient } from './client';
import { exotelStreamCodec } from './stream';
import { authorizeExotelStream } from './stream-auth';
import { exotelWebhooks } from './webhooks';

export const exotel: TelephonyProviderModule = {
  name: 'exotel',
  client: () => new ExotelClient(),
  webhooks: exotelWebhooks,
  stream: { codec: exotelStreamCodec, authorizeUpgrade: authorizeExotelStream },
};
