import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chunkOutbound,
  isStrictBase64,
  MAX_INBOUND_FRAME_CHARS,
  type MediaStreamCodec,
  type OutboundChunkRule,
  type StreamEvent,
  StreamProtocolError,
  type StreamProtocolErrorCode,
} from '../providers/media-stream';
import { exotelStreamCodec as exotel } from '../providers/exotel/stream';
import { twilioStreamCodec as twilio } from '../providers/twilio/stream';

/** The top-level stream id of a documented message, as the codec copies it onto the event. */
const sidOf = (json: string, field: string) => {
  const sid = JSON.parse(json)[field];
  return typeof sid === 'string' ? { streamSid: sid } : {};
};

function rejects(codec: MediaStreamCodec, text: string, code: StreamProtocolErrorCode, reason?: RegExp): void {
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

function expectKind<K extends StreamEvent['kind']>(event: StreamEvent, kind: K): Extract<StreamEvent, { kind: K }> {
  assert.equal(event.kind, kind);
  return event as Extract<StreamEvent, { kind: K }>;
}

/** 100 ms of 8 kHz PCM16 LE: a ramp, so byte order mistakes would show. */
const PCM_100MS = Buffer.alloc(1600);
for (let i = 0; i < 800; i++) PCM_100MS.writeInt16LE(i * 40 - 16000, i * 2);
const PCM_B64 = PCM_100MS.toString('base64');

/** 20 ms of μ-law (160 bytes). */
const MULAW_20MS = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) & 0xff));
const MULAW_B64 = MULAW_20MS.toString('base64');

// ---------------------------------------------------------------- Exotel

describe('exotel stream codec', () => {
  // The messages as developer.exotel.com/docs/agentstream/websocket-protocol shows them; the
  // media payload placeholder ("<base64-encoded PCM>") is replaced by real audio.
  const documented = {
    connected: `{ "event": "connected" }`,
    start: `{
      "event": "start",
      "sequence_number": "1",
      "stream_sid": "MZxxxxxxxxxxxxxxxxxxxxxxxx",
      "start": {
        "stream_sid": "MZxxxxxxxxxxxxxxxxxxxxxxxx",
        "call_sid": "CAxxxxxxxxxxxxxxxxxxxxxxxx",
        "account_sid": "ACxxxxxxxxxxxxxxxxxxxxxxxx",
        "from": "+919876543210",
        "to": "+918047491899",
        "custom_parameters": { "key1": "value1" },
        "media_format": { "encoding": "audio/x-raw", "sample_rate": "8000", "bit_rate": "16" }
      }
    }`,
    media: `{
      "event": "media",
      "sequence_number": "3",
      "stream_sid": "MZxxxxxxxxxxxxxxxxxxxxxxxx",
      "media": { "chunk": "2", "timestamp": "200", "payload": "${PCM_B64}" }
    }`,
    dtmf: `{
      "event": "dtmf",
      "sequence_number": "7",
      "stream_sid": "MZxxxxxxxxxxxxxxxxxxxxxxxx",
      "dtmf": { "digit": "5", "duration": "100" }
    }`,
    mark: `{
      "event": "mark",
      "sequence_number": "15",
      "stream_sid": "MZxxxxxxxxxxxxxxxxxxxxxxxx",
      "mark": { "name": "my-label" }
    }`,
    stop: `{
      "event": "stop",
      "sequence_number": "20",
      "stream_sid": "MZxxxxxxxxxxxxxxxxxxxxxxxx",
      "stop": {
        "call_sid": "CAxxxxxxxxxxxxxxxxxxxxxxxx",
        "account_sid": "ACxxxxxxxxxxxxxxxxxxxxxxxx",
        "reason": "callended"
      }
    }`,
  };

  test('parses the documented inbound messages', () => {
    assert.deepEqual(exotel.parse(documented.connected), { kind: 'connected' });
    assert.deepEqual(exotel.parse(documented.start), {
      kind: 'start',
      streamSid: 'MZxxxxxxxxxxxxxxxxxxxxxxxx',
      callSid: 'CAxxxxxxxxxxxxxxxxxxxxxxxx',
      customParameters: { key1: 'value1' },
      sampleRate: 8000,
      encoding: 'pcm16',
    });
    const media = expectKind(exotel.parse(documented.media), 'media');
    assert.ok(media.payload.equals(PCM_100MS), 'payload is the raw PCM bytes');
    assert.equal(media.timestamp, 200);
    assert.equal(media.chunk, 2);
    assert.equal(media.streamSid, 'MZxxxxxxxxxxxxxxxxxxxxxxxx', 'the stream id travels with the event');
    assert.deepEqual(exotel.parse(documented.dtmf), { kind: 'dtmf', digit: '5', ...sidOf(documented.dtmf, 'stream_sid') });
    assert.deepEqual(exotel.parse(documented.mark), { kind: 'mark', name: 'my-label', ...sidOf(documented.mark, 'stream_sid') });
    assert.deepEqual(exotel.parse(documented.stop), { kind: 'stop', reason: 'callended', ...sidOf(documented.stop, 'stream_sid') });
  });

  test('accepts numbers as JSON numbers or as digit strings', () => {
    const start = expectKind(exotel.parse(
      JSON.stringify({
        event: 'start',
        start: {
          stream_sid: 'MZ1',
          call_sid: 'CA1',
          media_format: { encoding: 'audio/x-raw', sample_rate: 16000, bit_rate: 16 },
        },
      }),
    ), 'start');
    assert.equal(start.sampleRate, 16000);
    assert.deepEqual(start.customParameters, {}, 'custom_parameters default to {}');

    const media = expectKind(exotel.parse(JSON.stringify({ event: 'media', media: { chunk: 7, timestamp: 700, payload: PCM_B64 } })), 'media');
    assert.equal(media.chunk, 7);
    assert.equal(media.timestamp, 700);

    const hd = expectKind(exotel.parse(documented.start.replace('"sample_rate": "8000"', '"sample_rate": "24000"')), 'start');
    assert.equal(hd.sampleRate, 24000);
    assert.deepEqual(exotel.parse(`{"event":"dtmf","dtmf":{"digit":"#","duration":250}}`), { kind: 'dtmf', digit: '#' });
  });

  test('keeps custom parameters as strings', () => {
    const start = expectKind(exotel.parse(documented.start.replace('{ "key1": "value1" }', '{ "call_id": "c-42", "attempt": 2 }')), 'start');
    assert.deepEqual(start.customParameters, { call_id: 'c-42', attempt: '2' });
  });

  test('stop without a reason', () => {
    assert.deepEqual(exotel.parse(`{"event":"stop","stop":{"call_sid":"CA1"}}`), { kind: 'stop', reason: undefined });
  });

  test('builds outbound frames with Exotel field names', () => {
    const audio = Buffer.alloc(3200, 1);
    assert.deepEqual(JSON.parse(exotel.media('MZ1', audio)), {
      event: 'media',
      stream_sid: 'MZ1',
      media: { payload: audio.toString('base64') },
    });
    assert.deepEqual(JSON.parse(exotel.mark('MZ1', 'prompt-3 "end"')), {
      event: 'mark',
      stream_sid: 'MZ1',
      mark: { name: 'prompt-3 "end"' },
    });
    assert.deepEqual(JSON.parse(exotel.clear('MZ1')), { event: 'clear', stream_sid: 'MZ1' });
  });

  test('outbound media round-trips through the inbound parser', () => {
    const audio = Buffer.alloc(3520);
    for (let i = 0; i < audio.length; i += 2) audio.writeInt16LE((i * 13) % 30000, i);
    const frame = JSON.parse(exotel.media('MZ1', audio)) as { media: { payload: string } };
    const parsed = expectKind(exotel.parse(JSON.stringify({ event: 'media', media: { payload: frame.media.payload } })), 'media');
    assert.ok(parsed.payload.equals(audio));
  });

  test('refuses to build chunks outside 3,200..100,000 bytes in multiples of 320', () => {
    for (const size of [0, 320, 3199, 3300, 4096, 100_160]) {
      assert.throws(() => exotel.media('MZ1', Buffer.alloc(size)), RangeError, `size ${size}`);
    }
    for (const size of [3200, 3520, 99_840]) assert.doesNotThrow(() => exotel.media('MZ1', Buffer.alloc(size)));
    assert.throws(() => exotel.media('', Buffer.alloc(3200)), RangeError);
    assert.throws(() => exotel.mark('MZ1', ''), RangeError);
  });

  test('chunk rule is stated in bytes for every supported rate', () => {
    for (const rate of [8000, 16000, 24000]) {
      assert.deepEqual(exotel.outboundChunkBytes(rate), { min: 3200, multiple: 320, max: 100_000, silenceByte: 0 });
    }
    assert.throws(() => exotel.outboundChunkBytes(44_100), RangeError);
  });

  describe('rejects', () => {
    test('malformed JSON', () => {
      rejects(exotel, '{"event":"media",', 'not_json');
      rejects(exotel, '', 'not_json');
    });

    test('JSON that is not an event object', () => {
      rejects(exotel, '[1,2]', 'invalid_message');
      rejects(exotel, 'null', 'invalid_message');
      rejects(exotel, '"connected"', 'invalid_message');
      rejects(exotel, '{"type":"connected"}', 'invalid_message', /event/);
      rejects(exotel, '{"event":5}', 'invalid_message', /event/);
    });

    test('unknown and outbound-only events', () => {
      rejects(exotel, '{"event":"hello"}', 'unknown_event', /"hello"/);
      rejects(exotel, '{"event":"clear","stream_sid":"MZ1"}', 'unknown_event');
      rejects(exotel, '{"event":"toString"}', 'unknown_event');
      rejects(exotel, '{"event":"__proto__"}', 'unknown_event');
    });

    test('missing fields', () => {
      rejects(exotel, '{"event":"start"}', 'invalid_message', /start/);
      rejects(exotel, documented.start.replace('"call_sid": "CAxxxxxxxxxxxxxxxxxxxxxxxx",', ''), 'invalid_message', /start\.call_sid/);
      rejects(exotel, documented.start.replace(/"media_format": \{[^}]*\}/, '"media_format": {}'), 'invalid_message', /encoding/);
      rejects(exotel, '{"event":"media","media":{"chunk":"1"}}', 'invalid_message', /media\.payload/);
      rejects(exotel, '{"event":"dtmf","dtmf":{"duration":"100"}}', 'invalid_message', /dtmf\.digit/);
      rejects(exotel, '{"event":"mark","mark":{}}', 'invalid_message', /mark\.name/);
      rejects(exotel, '{"event":"stop"}', 'invalid_message', /stop/);
    });

    test('a format we would misread', () => {
      rejects(exotel, documented.start.replace('audio/x-raw', 'audio/x-mulaw'), 'invalid_message', /encoding/);
      rejects(exotel, documented.start.replace('"sample_rate": "8000"', '"sample_rate": "44100"'), 'invalid_message', /sample_rate/);
      rejects(exotel, documented.start.replace('"bit_rate": "16"', '"bit_rate": "8"'), 'invalid_message', /bit_rate/);
      rejects(exotel, documented.start.replace('"sample_rate": "8000"', '"sample_rate": "8000Hz"'), 'invalid_message', /sample_rate/);
      rejects(exotel, documented.media.replace('"chunk": "2"', '"chunk": "-2"'), 'invalid_message', /media\.chunk/);
      rejects(exotel, documented.dtmf.replace('"digit": "5"', '"digit": "55"'), 'invalid_message', /dtmf\.digit/);
    });

    test('bad base64 that Buffer.from would quietly accept', () => {
      const media = (payload: string) => JSON.stringify({ event: 'media', media: { payload } });
      rejects(exotel, media('<base64-encoded PCM>'), 'invalid_message', /base64/); // the docs' placeholder
      rejects(exotel, media('AAAA!AAA'), 'invalid_message', /base64/);
      rejects(exotel, media('AAAAAA'), 'invalid_message', /base64/); // unpadded
      rejects(exotel, media('AA==AAAA'), 'invalid_message', /base64/); // padding mid-stream
      rejects(exotel, media('AAAA AAA'), 'invalid_message', /base64/);
      rejects(exotel, media('AAA-AA_A'), 'invalid_message', /base64/); // base64url alphabet
    });

    test('PCM16 with an odd number of bytes', () => {
      const odd = Buffer.alloc(161).toString('base64');
      rejects(exotel, JSON.stringify({ event: 'media', media: { payload: odd } }), 'invalid_message', /odd number of bytes/);
    });

    test('frames over the inbound cap, before parsing them', () => {
      const huge = `{"event":"media","media":{"payload":"${'A'.repeat(MAX_INBOUND_FRAME_CHARS)}"}}`;
      rejects(exotel, huge, 'too_large');
      rejects(exotel, ' '.repeat(MAX_INBOUND_FRAME_CHARS + 1), 'too_large');
      // The largest real frame (100 ms at 24 kHz) is far below the cap.
      const hd = JSON.stringify({ event: 'media', media: { payload: Buffer.alloc(4800).toString('base64') } });
      assert.equal(exotel.parse(hd).kind, 'media');
    });
  });
});

// ---------------------------------------------------------------- Twilio

describe('twilio stream codec', () => {
  // The messages as twilio.com/docs/voice/media-streams/websocket-messages shows them; the
  // truncated payload ("no+JhoaJjpz...") is replaced by real μ-law.
  const documented = {
    connected: `{ "event": "connected", "protocol": "Call", "version": "1.0.0" }`,
    start: `{
      "event": "start",
      "sequenceNumber": "1",
      "start": {
        "accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "tracks": [ "inbound" ],
        "mediaFormat": { "encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1 },
        "customParameters": { "FirstName": "Jane", "LastName": "Doe", "RemoteParty": "Bob" }
      },
      "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
    }`,
    media: `{
      "event": "media",
      "sequenceNumber": "4",
      "media": { "track": "inbound", "chunk": "2", "timestamp": "5", "payload": "${MULAW_B64}" },
      "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
    }`,
    dtmf: `{
      "event": "dtmf",
      "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
      "sequenceNumber": "5",
      "dtmf": { "track": "inbound_track", "digit": "1" }
    }`,
    mark: `{
      "event": "mark",
      "sequenceNumber": "4",
      "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
      "mark": { "name": "my label" }
    }`,
    stop: `{
      "event": "stop",
      "sequenceNumber": "5",
      "stop": {
        "accountSid": "ACXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
        "callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
      },
      "streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"
    }`,
  };

  test('parses the documented inbound messages', () => {
    assert.deepEqual(twilio.parse(documented.connected), { kind: 'connected' });
    assert.deepEqual(twilio.parse(documented.start), {
      kind: 'start',
      streamSid: 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      callSid: 'CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX',
      customParameters: { FirstName: 'Jane', LastName: 'Doe', RemoteParty: 'Bob' },
      sampleRate: 8000,
      encoding: 'mulaw',
    });
    const media = expectKind(twilio.parse(documented.media), 'media');
    assert.ok(media.payload.equals(MULAW_20MS), 'payload is the raw μ-law bytes');
    assert.equal(media.chunk, 2);
    assert.equal(media.timestamp, 5);
    assert.equal(media.streamSid, 'MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX', 'the stream id travels with the event');
    assert.deepEqual(twilio.parse(documented.dtmf), { kind: 'dtmf', digit: '1', ...sidOf(documented.dtmf, 'streamSid') });
    assert.deepEqual(twilio.parse(documented.mark), { kind: 'mark', name: 'my label', ...sidOf(documented.mark, 'streamSid') });
    assert.deepEqual(twilio.parse(documented.stop), { kind: 'stop', ...sidOf(documented.stop, 'streamSid') });
  });

  test('accepts a start without custom parameters', () => {
    const start = expectKind(twilio.parse(documented.start.replace(/"customParameters": \{[^}]*\}/, '"customParameters": {}')), 'start');
    assert.deepEqual(start.customParameters, {});
  });

  test('builds outbound frames with Twilio field names', () => {
    assert.deepEqual(JSON.parse(twilio.media('MZ1', MULAW_20MS)), {
      event: 'media',
      streamSid: 'MZ1',
      media: { payload: MULAW_B64 },
    });
    assert.deepEqual(JSON.parse(twilio.mark('MZ1', 'prompt-3')), { event: 'mark', streamSid: 'MZ1', mark: { name: 'prompt-3' } });
    assert.deepEqual(JSON.parse(twilio.clear('MZ1')), { event: 'clear', streamSid: 'MZ1' });
    assert.equal(typeof twilio.media('MZ1', MULAW_20MS), 'string', 'text frames only: binary frames are error 31950');
  });

  test('outbound media round-trips through the inbound parser', () => {
    const frame = JSON.parse(twilio.media('MZ1', MULAW_20MS)) as { media: { payload: string } };
    const parsed = expectKind(twilio.parse(JSON.stringify({ event: 'media', media: { payload: frame.media.payload } })), 'media');
    assert.ok(parsed.payload.equals(MULAW_20MS));
  });

  test('outbound chunk rule: any size up to one second, μ-law silence', () => {
    assert.deepEqual(twilio.outboundChunkBytes(8000), { min: 1, multiple: 1, max: 8000, silenceByte: 0xff });
    assert.throws(() => twilio.outboundChunkBytes(16000), RangeError);
    assert.throws(() => twilio.media('MZ1', Buffer.alloc(0)), RangeError);
    assert.throws(() => twilio.media('MZ1', Buffer.alloc(8001)), RangeError);
    assert.throws(() => twilio.media('', MULAW_20MS), RangeError);
  });

  describe('rejects', () => {
    test('malformed JSON and non-objects', () => {
      rejects(twilio, '{"event":"connected"', 'not_json');
      rejects(twilio, 'true', 'invalid_message');
      rejects(twilio, '{}', 'invalid_message', /event/);
    });

    test('unknown events', () => {
      rejects(twilio, '{"event":"Media"}', 'unknown_event');
      rejects(twilio, '{"event":"clear","streamSid":"MZ1"}', 'unknown_event');
    });

    test('missing fields', () => {
      rejects(twilio, documented.start.replace('"callSid": "CAXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",', ''), 'invalid_message', /start\.callSid/);
      rejects(twilio, documented.start.replace('"streamSid": "MZXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",', ''), 'invalid_message', /start\.streamSid/);
      rejects(twilio, '{"event":"start","start":{"streamSid":"MZ1","callSid":"CA1"}}', 'invalid_message', /mediaFormat/);
      rejects(twilio, '{"event":"media","media":{"track":"inbound"}}', 'invalid_message', /media\.payload/);
      rejects(twilio, '{"event":"media"}', 'invalid_message', /media/);
      rejects(twilio, '{"event":"dtmf","dtmf":{"track":"inbound_track"}}', 'invalid_message', /dtmf\.digit/);
      rejects(twilio, '{"event":"mark","mark":{"name":""}}', 'invalid_message', /mark\.name/);
    });

    test('a media format other than 8 kHz mono μ-law', () => {
      rejects(twilio, documented.start.replace('audio/x-mulaw', 'audio/L16'), 'invalid_message', /encoding/);
      rejects(twilio, documented.start.replace('"sampleRate": 8000', '"sampleRate": 16000'), 'invalid_message', /sampleRate/);
      rejects(twilio, documented.start.replace('"channels": 1', '"channels": 2'), 'invalid_message', /channels/);
    });

    test('media from the outbound track (one-way both_tracks streams)', () => {
      rejects(twilio, documented.media.replace('"track": "inbound"', '"track": "outbound"'), 'invalid_message', /media\.track/);
    });

    test('bad base64', () => {
      const media = (payload: string) => JSON.stringify({ event: 'media', media: { track: 'inbound', payload } });
      rejects(twilio, media('no+JhoaJjpz...'), 'invalid_message', /base64/); // the docs' truncated sample
      rejects(twilio, media('no+JhoaJjpz'), 'invalid_message', /base64/);
      rejects(twilio, media('////\n////'), 'invalid_message', /base64/);
    });

    test('frames over the inbound cap', () => {
      rejects(twilio, `{"event":"media","media":{"payload":"${'/'.repeat(MAX_INBOUND_FRAME_CHARS)}"}}`, 'too_large');
    });
  });
});

// ---------------------------------------------------------------- shared pieces

describe('isStrictBase64', () => {
  test('takes canonical standard base64 only', () => {
    for (const ok of ['', 'AAAA', 'AA==', 'AAA=', 'ab+/', PCM_B64]) assert.ok(isStrictBase64(ok), ok);
    for (const bad of ['A', 'AA=', 'A===', '====', 'AA==AA==', 'AA A', 'AA-_', 'AAAA\n']) assert.ok(!isStrictBase64(bad), bad);
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
