// Exotel authenticates the Voicebot socket with Basic credentials taken from the wss URL
// (wss://user:pass@host/media/exotel), or by IP allowlisting (configure that at the edge).
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { loadConfig } from '../../lib/config';

export function authorizeExotelStream(request: IncomingMessage): boolean {
  const { EXOTEL_STREAM_USER, EXOTEL_STREAM_PASSWORD } = loadConfig();
  const expected = Buffer.from('Basic ' + Buffer.from(`${EXOTEL_STREAM_USER}:${EXOTEL_STREAM_PASSWORD}`).toString('base64'));
  const given = Buffer.from(request.headers.authorization ?? '');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
