import type { TelephonyProviderModule } from '../types';
import { ExotelClient } from './client';
import { exotelWebhooks } from './webhooks';

export const exotel: TelephonyProviderModule = {
  name: 'exotel',
  client: () => new ExotelClient(),
  webhooks: exotelWebhooks,
};
