// Exotel authenticates the Voicebot socket with Basic credentials taken from the wss URL
// (wss://user:pass@host/media/exotel), or by IP allowlisting (configure that at the edge).
import { sameSecret } from '../../lib/same-secret';
import { basicAuth } from '../http';
import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../lib/config';

export function authorizeExotelStream(request: IncomingMessage): boolean {
  const { EXOTEL_STREAM_USER, EXOTEL_STREAM_PASSWORD } = loadConfig();
  return sameSecret(request.headers.authorization ?? '', basicAuth(EXOTEL_STREAM_USER, EXOTEL_STREAM_PASSWORD));
}
