// The codec-independent pieces, checked against both providers' outbound chunk rules.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chunkOutbound, decodeFrame, isStrictBase64, type OutboundChunkRule } from './media-stream';
import { exotelStreamCodec as exotel, exotelStreamProtocol } from './exotel/stream';
import { twilioStreamCodec as twilio, twilioStreamProtocol } from './twilio/stream';
import { browserStreamCodec, browserStreamProtocol } from './browser/stream';
import { PCM_B64 } from '../test/support/stream-codec';

describe('isStrictBase64', () => {
  test('takes canonical standard base64 only', () => {
    for (const ok of ['', 'AAAA', 'AA==', 'AAA=', 'ab+/', PCM_B64]) assert.ok(isStrictBase64(ok), ok);
    for (const bad of ['A', 'AA=', 'A===', '====', 'AA==AA==', 'AA A', 'AA-_', 'AAAA\n']) assert.ok(!isStrictBase64(bad), bad);
  });
});

describe('media frames: the quick path agrees with the schema', () => {
  const codecs = [
    { protocol: exotelStreamProtocol, codec: exotel },
    { protocol: twilioStreamProtocol, codec: twilio },
    { protocol: browserStreamProtocol, codec: browserStreamCodec },
  ];
  const payloads: unknown[] = [PCM_B64, '', 'AAA=', 'AA==', 'AAAA', 'AA A', 'A===', 7, null, undefined];
  const integers: unknown[] = [undefined, 0, 12, '12', '007', -1, 1.5, '1.5', '-1', '', '1234567890123456', null, true, [], Number.MAX_SAFE_INTEGER];
  const tracks: unknown[] = [undefined, 'inbound', 'outbound', 3];

  /** The schema alone (no quick path): what the frame must parse to, or the error it must get. */
  function outcome(parse: () => unknown): unknown {
    try {
      return { ok: parse() };
    } catch (err) {
      return { error: (err as Error).message };
    }
  }

  test('every variant of a media frame parses to the same event, or fails with the same error, either way', () => {
    let accepted = 0;
    for (const { protocol, codec } of codecs) {
      const sidField = protocol.streamSidField;
      const frames: unknown[] = [{ event: 'media', [sidField]: 'MZ1' }, { event: 'media', [sidField]: 'MZ1', media: [] }, { event: 'media', [sidField]: 'MZ1', media: null }];
      for (const payload of payloads) {
        for (const chunk of integers) {
          for (const track of tracks) frames.push({ event: 'media', [sidField]: 'MZ1', media: { payload, chunk, timestamp: integers[(integers.indexOf(chunk) + 3) % integers.length], track, extra: 1 } });
        }
      }
      for (const frame of frames) {
        const text = JSON.stringify(frame);
        const bySchema = outcome(() => decodeFrame(protocol.provider, text, protocol.inbound, sidField));
        assert.deepEqual(outcome(() => codec.parse(text)), bySchema, `${protocol.provider}: ${text}`);
        if ('ok' in (bySchema as object)) accepted++;
      }
    }
    assert.ok(accepted > 50, `only ${accepted} frames were valid: the variants test too little`);
  });
});

describe('chunkOutbound', () => {
  const EXOTEL = exotel.outboundChunkBytes(8000);
  const TWILIO = twilio.outboundChunkBytes(8000);

  function fits(chunk: Buffer, rule: OutboundChunkRule): boolean {
    return chunk.length >= rule.min && chunk.length <= rule.max && chunk.length % rule.multiple === 0;
  }

  function ramp(length: number): Buffer {
    const audio = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) audio[i] = 1 + (i % 251); // never the silence byte
    return audio;
  }

  /** Every chunk obeys the rule; joined, they are the audio followed only by silence. */
  function assertValidSplit(audio: Buffer, chunks: Buffer[], rule: OutboundChunkRule): void {
    for (const chunk of chunks) assert.ok(fits(chunk, rule), `chunk of ${chunk.length} bytes breaks the rule`);
    const joined = Buffer.concat(chunks);
    assert.ok(joined.subarray(0, audio.length).equals(audio), 'audio kept in order');
    assert.ok(joined.subarray(audio.length).every((b) => b === rule.silenceByte), 'padding is silence');
  }

  test('no audio, no chunks', () => {
    assert.deepEqual(chunkOutbound(Buffer.alloc(0), EXOTEL), []);
  });

  test('whole chunks are views into the audio, not copies', () => {
    const audio = ramp(6400);
    const chunks = chunkOutbound(audio, EXOTEL, 3200);
    assert.deepEqual(chunks.map((c) => c.length), [3200, 3200]);
    assert.ok(chunks.every((c) => c.buffer === audio.buffer));
  });

  test('a short prompt is padded up to the 3,200-byte minimum', () => {
    const audio = ramp(100);
    const [only, ...rest] = chunkOutbound(audio, EXOTEL);
    assert.equal(rest.length, 0);
    assert.equal(only.length, 3200);
    assertValidSplit(audio, [only], EXOTEL);
  });

  test('a short tail is folded into the chunk before it rather than padded to 3,200', () => {
    const audio = ramp(3300);
    const chunks = chunkOutbound(audio, EXOTEL, 3200);
    assert.deepEqual(chunks.map((c) => c.length), [3520]);
    assertValidSplit(audio, chunks, EXOTEL);
  });

  test('a tail that cannot be folded (previous chunk at max) is padded on its own', () => {
    const audio = ramp(99_840 + 100);
    const chunks = chunkOutbound(audio, EXOTEL);
    assert.deepEqual(chunks.map((c) => c.length), [99_840, 3200]);
    assertValidSplit(audio, chunks, EXOTEL);
  });

  test('a long tail is only rounded up to the 320-byte grid', () => {
    const audio = ramp(250_000);
    const chunks = chunkOutbound(audio, EXOTEL);
    assert.deepEqual(chunks.map((c) => c.length), [99_840, 99_840, 50_560]);
    assertValidSplit(audio, chunks, EXOTEL);
  });

  test('target sizes outside the rule are snapped into it', () => {
    assert.deepEqual(chunkOutbound(ramp(6400), EXOTEL, 1).map((c) => c.length), [3200, 3200]);
    // 5,000 snaps down to 4,800; the 1,600-byte tail then folds into it.
    assert.deepEqual(chunkOutbound(ramp(6400), EXOTEL, 5000).map((c) => c.length), [6400]);
    // Beyond max snaps to 99,840; the 320-byte tail cannot fold (100,160 > max), so it is padded.
    assert.deepEqual(chunkOutbound(ramp(200_000), EXOTEL, 1e9).map((c) => c.length), [99_840, 99_840, 3200]);
  });

  test('every length and target gives chunks the codec accepts', () => {
    for (const length of [1, 319, 320, 3199, 3201, 6399, 6401, 9_999, 64_000, 123_457]) {
      for (const target of [3200, 4800, 32_000, 100_000]) {
        const audio = ramp(length);
        const chunks = chunkOutbound(audio, EXOTEL, target);
        assertValidSplit(audio, chunks, EXOTEL);
        const padding = chunks.reduce((n, c) => n + c.length, 0) - length;
        assert.ok(padding < EXOTEL.min, `padding ${padding} for ${length}/${target}`);
        for (const chunk of chunks) assert.doesNotThrow(() => exotel.media('MZ1', chunk));
      }
    }
  });

  test('twilio: split at one second, never padded', () => {
    const audio = ramp(20_001);
    const chunks = chunkOutbound(audio, TWILIO);
    assert.deepEqual(chunks.map((c) => c.length), [8000, 8000, 4001]);
    assert.ok(Buffer.concat(chunks).equals(audio));
    for (const chunk of chunks) assert.doesNotThrow(() => twilio.media('MZ1', chunk));
    assert.deepEqual(chunkOutbound(ramp(1), TWILIO).map((c) => c.length), [1]);
  });

  test('pads μ-law with its own silence byte', () => {
    const rule: OutboundChunkRule = { min: 160, multiple: 160, max: 1600, silenceByte: 0xff };
    const [chunk] = chunkOutbound(ramp(10), rule);
    assert.equal(chunk.length, 160);
    assert.ok(chunk.subarray(10).every((b) => b === 0xff));
  });

  test('refuses a rule it cannot satisfy', () => {
    const bad: OutboundChunkRule[] = [
      { min: 3000, multiple: 320, max: 100_000, silenceByte: 0 },
      { min: 320, multiple: 0, max: 1000, silenceByte: 0 },
      { min: 640, multiple: 320, max: 320, silenceByte: 0 },
    ];
    for (const rule of bad) assert.throws(() => chunkOutbound(ramp(10), rule), RangeError);
  });
});
