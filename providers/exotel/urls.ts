// The URLs Exotel calls back on. The shared secret in the path authenticates them,
// because Exotel does not sign its callbacks.
import { loadConfig } from '../../lib/config';

export type ExotelWebhook = 'status' | 'passthru' | 'prompt';

export function exotelWebhookUrl(hook: ExotelWebhook): string {
  const { PUBLIC_BASE_URL, EXOTEL_WEBHOOK_SECRET } = loadConfig();
  return `${PUBLIC_BASE_URL}/webhooks/exotel/${encodeURIComponent(EXOTEL_WEBHOOK_SECRET)}/${hook}`;
}
