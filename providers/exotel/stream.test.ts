import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_INBOUND_FRAME_CHARS } from '../media-stream';
import { exotelStreamCodec as exotel } from './stream';
import { expectKind, PCM_100MS, PCM_B64, rejects, sidOf } from '../../test/support/stream-codec';

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
      from: '+919876543210',
      to: '+918047491899',
    });
    const media = expectKind(exotel.parse(documented.media), 'media');
    assert.ok(media.payload.equals(PCM_100MS), 'payload is the raw PCM bytes');
    assert.equal(media.timestamp, 200);
    assert.equal(media.chunk, 2);
    assert.equal(media.streamSid, 'MZxxxxxxxxxxxxxxxxxxxxxxxx', 'the stream id travels with the event');
    assert.deepEqual(exotel.parse(documented.dtmf), { kind: 'dtmf', digit: '5', ...sidOf(documented.dtmf, 'stream_sid') });
    assert.deepEqual(exotel.parse(documented.mark), { kind: 'mark', name: 'my-label', ...sidOf(documented.mark, 'stream_sid') });
    assert.deepEqual(exotel.parse(documented.stop), { kind: 'stop', reason: 'callended', callEnded: true, ...sidOf(documented.stop, 'stream_sid') });
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
    assert.deepEqual([start.from, start.to], [undefined, undefined], 'no caller named, none made up');

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
