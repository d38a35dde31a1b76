// The simulator's stream codec: the frames the page sends (simulator.js) and the ones it gets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunkOutbound, MAX_INBOUND_FRAME_CHARS } from '../media-stream';
import { expectKind, PCM_100MS, PCM_B64, rejects } from '../../test/support/stream-codec';
import { browserStreamCodec as browser, newBrowserCallSid } from './stream';

const CALL_SID = 'BR' + '0123456789abcdef'.repeat(2);
const start = (start: Record<string, unknown>) => JSON.stringify({ event: 'start', streamSid: 'MS1', start: { streamSid: 'MS1', callSid: CALL_SID, mediaFormat: { encoding: 'audio/l16', sampleRate: 16000, channels: 1 }, ...start } });

describe('browser stream codec', () => {
  test('start: an answered call names its callId; a dialled one names from and to', () => {
    const answered = expectKind(browser.parse(start({ customParameters: { callId: 'questionnaire-Q1' } })), 'start');
    assert.deepEqual(answered, { kind: 'start', streamSid: 'MS1', callSid: CALL_SID, customParameters: { callId: 'questionnaire-Q1' }, sampleRate: 16000, encoding: 'pcm16', from: undefined, to: undefined });
    const dialled = expectKind(browser.parse(start({ from: '+919000000001', to: '+911800100001', mediaFormat: { encoding: 'audio/l16', sampleRate: '8000' } })), 'start');
    assert.equal(dialled.from, '+919000000001');
    assert.equal(dialled.to, '+911800100001');
    assert.equal(dialled.sampleRate, 8000, 'rates as digit strings are taken too');
    assert.deepEqual(dialled.customParameters, {});
  });

  test('media, dtmf, mark and stop carry the stream id', () => {
    const media = expectKind(browser.parse(JSON.stringify({ event: 'media', streamSid: 'MS1', media: { chunk: 3, timestamp: 60, payload: PCM_B64 } })), 'media');
    assert.deepEqual(media.payload, PCM_100MS);
    assert.equal(media.streamSid, 'MS1');
    assert.equal(media.chunk, 3);
    assert.deepEqual(browser.parse('{"event":"dtmf","streamSid":"MS1","dtmf":{"digit":"#"}}'), { kind: 'dtmf', digit: '#', streamSid: 'MS1' });
    assert.deepEqual(browser.parse('{"event":"mark","streamSid":"MS1","mark":{"name":"2:5"}}'), { kind: 'mark', name: '2:5', streamSid: 'MS1' });
    assert.deepEqual(browser.parse('{"event":"stop","streamSid":"MS1","stop":{"reason":"hangup"}}'), { kind: 'stop', reason: 'hangup', streamSid: 'MS1' });
    assert.deepEqual(browser.parse('{"event":"stop","streamSid":"MS1"}'), { kind: 'stop', reason: undefined, streamSid: 'MS1' });
    assert.deepEqual(browser.parse('{"event":"connected"}'), { kind: 'connected' });
  });

  test('outbound: media in whole PCM16 chunks, marks, clear and transcript lines', () => {
    const rule = browser.outboundChunkBytes(16000);
    const chunks = chunkOutbound(Buffer.alloc(6400 + 100), rule, 6400);
    assert.deepEqual(chunks.map((c) => c.length), [6500], 'a tail under the minimum is folded into the chunk before it');
    const media = JSON.parse(browser.media('MS1', Buffer.alloc(640)));
    assert.deepEqual(media, { event: 'media', streamSid: 'MS1', media: { payload: Buffer.alloc(640).toString('base64') } });
    assert.throws(() => browser.media('MS1', Buffer.alloc(641)), RangeError);
    assert.throws(() => browser.media('MS1', Buffer.alloc(64_000)), RangeError);
    assert.deepEqual(JSON.parse(browser.mark('MS1', '1:0')), { event: 'mark', streamSid: 'MS1', mark: { name: '1:0' } });
    assert.deepEqual(JSON.parse(browser.clear('MS1')), { event: 'clear', streamSid: 'MS1' });
    assert.deepEqual(JSON.parse(browser.transcript!('MS1', { speaker: 'bot', text: 'Namaste <b>' })), { event: 'transcript', streamSid: 'MS1', transcript: { speaker: 'bot', text: 'Namaste <b>' } });
    assert.throws(() => browser.outboundChunkBytes(24000), RangeError);
  });

  test('new CallSids have the simulator shape', () => {
    const sid = newBrowserCallSid();
    assert.match(sid, /^BR[0-9a-f]{32}$/);
    assert.notEqual(sid, newBrowserCallSid());
  });

  describe('rejects', () => {
    test('a CallSid of another shape (it could name a real carrier call)', () => {
      rejects(browser, start({ callSid: 'CA' + 'a'.repeat(32) }), 'invalid_message', /start\.callSid/);
      rejects(browser, start({ callSid: 'a'.repeat(32) }), 'invalid_message', /start\.callSid/);
    });
    test('a media format other than mono 16-bit PCM at 8 or 16 kHz', () => {
      rejects(browser, start({ mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000 } }), 'invalid_message', /encoding/);
      rejects(browser, start({ mediaFormat: { encoding: 'audio/l16', sampleRate: 48000 } }), 'invalid_message', /sampleRate/);
      rejects(browser, start({ mediaFormat: { encoding: 'audio/l16', sampleRate: 16000, channels: 2 } }), 'invalid_message', /channels/);
      rejects(browser, start({ mediaFormat: undefined }), 'invalid_message', /mediaFormat/);
    });
    test('odd-length audio, bad base64, bad keys, empty marks', () => {
      rejects(browser, JSON.stringify({ event: 'media', media: { payload: Buffer.alloc(3).toString('base64') } }), 'invalid_message', /whole 16-bit samples/);
      rejects(browser, '{"event":"media","media":{"payload":"abc"}}', 'invalid_message', /base64/);
      rejects(browser, '{"event":"dtmf","dtmf":{"digit":"12"}}', 'invalid_message', /dtmf\.digit/);
      rejects(browser, '{"event":"mark","mark":{"name":""}}', 'invalid_message', /mark\.name/);
    });
    test('unknown events, not JSON, oversized frames', () => {
      rejects(browser, '{"event":"transcript","transcript":{"speaker":"caller","text":"hi"}}', 'unknown_event');
      rejects(browser, '{"event":', 'not_json');
      rejects(browser, `{"event":"media","media":{"payload":"${'A'.repeat(MAX_INBOUND_FRAME_CHARS)}"}}`, 'too_large');
    });
  });
});
