import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_INBOUND_FRAME_CHARS } from '../media-stream';
import { twilioStreamCodec as twilio } from './stream';
import { expectKind, MULAW_20MS, MULAW_B64, rejects, sidOf } from '../../test/support/stream-codec';

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
