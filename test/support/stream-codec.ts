// Shared pieces of the media-stream codec tests (providers/*/stream.test.ts, providers/media-stream.test.ts).
import assert from 'node:assert/strict';
import { type MediaStreamCodec, type StreamEvent, StreamProtocolError, type StreamProtocolErrorCode } from '../../providers/media-stream';

/** The top-level stream id of a documented message, as the codec copies it onto the event. */
export const sidOf = (json: string, field: string) => {
  const sid = JSON.parse(json)[field];
  return typeof sid === 'string' ? { streamSid: sid } : {};
};

export function rejects(codec: MediaStreamCodec, text: string, code: StreamProtocolErrorCode, reason?: RegExp): void {
  assert.throws(
    () => codec.parse(text),
    (error: unknown) => {
      assert.ok(error instanceof StreamProtocolError, `expected StreamProtocolError, got ${String(error)}`);
      assert.equal(error.provider, codec.provider);
      assert.equal(error.code, code, error.message);
      if (reason) assert.match(error.message, reason);
      return true;
    },
  );
}

export function expectKind<K extends StreamEvent['kind']>(event: StreamEvent, kind: K): Extract<StreamEvent, { kind: K }> {
  assert.equal(event.kind, kind);
  return event as Extract<StreamEvent, { kind: K }>;
}

/** 100 ms of 8 kHz PCM16 LE: a ramp, so byte order mistakes would show. */
export const PCM_100MS = Buffer.alloc(1600);
for (let i = 0; i < 800; i++) PCM_100MS.writeInt16LE(i * 40 - 16000, i * 2);
export const PCM_B64 = PCM_100MS.toString('base64');

/** 20 ms of μ-law (160 bytes). */
export const MULAW_20MS = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) & 0xff));
export const MULAW_B64 = MULAW_20MS.toString('base64');
