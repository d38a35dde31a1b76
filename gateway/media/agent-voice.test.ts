import assert from 'node:assert/strict';
import { test } from 'node:test';
import { twilioStreamCodec } from '../../providers/twilio/stream';
import { AgentVoice } from './agent-voice';

const MULAW_8K = { encoding: 'mulaw' as const, sampleRate: 8000 };

function recorder() {
  const frames: { event: string; media?: { payload: string }; mark?: { name: string } }[] = [];
  return { frames, send: (frame: string) => frames.push(JSON.parse(frame)) };
}

test('replies are cut into provider chunks, each followed by a mark, and a pending tail is sent on flush', () => {
  const { frames, send } = recorder();
  const voice = new AgentVoice(send, twilioStreamCodec, 'MZ1', MULAW_8K);
  voice.push('item_a', Buffer.alloc(2000, 0x7f)); // 250 ms of μ-law
  voice.flush();
  const media = frames.filter((f) => f.event === 'media');
  const marks = frames.filter((f) => f.event === 'mark');
  assert.ok(media.length >= 3, 'several chunks');
  assert.equal(media.length, marks.length, 'a mark after every chunk');
  const bytes = media.reduce((n, f) => n + Buffer.from(f.media!.payload, 'base64').length, 0);
  assert.ok(bytes >= 2000, 'nothing is lost');
  assert.ok(voice.speaking, 'still playing until the marks come back');
});

test('a barge-in clears the provider and reports how much of the reply was heard, from the marks', () => {
  const { frames, send } = recorder();
  const voice = new AgentVoice(send, twilioStreamCodec, 'MZ1', MULAW_8K);
  voice.push('item_a', Buffer.alloc(800, 0x7f)); // 100 ms: up to the lead, sent at once
  voice.push('item_a', Buffer.alloc(800, 0x7f));
  const marks = frames.filter((f) => f.event === 'mark').map((f) => f.mark!.name);
  assert.ok(marks.length >= 2);
  voice.onMark(marks[0]); // the first 100 ms were played
  const heard = voice.interrupt();
  assert.deepEqual(heard, { itemId: 'item_a', heardMs: 100 });
  assert.equal(frames.at(-1)!.event, 'clear');
  assert.equal(voice.speaking, false);
  assert.equal(voice.interrupt(), undefined, 'nothing left to interrupt');
});

test('a new reply after a barge-in starts from zero, and whenDrained waits for its last mark', async () => {
  const { frames, send } = recorder();
  const voice = new AgentVoice(send, twilioStreamCodec, 'MZ1', MULAW_8K);
  voice.push('item_a', Buffer.alloc(800, 0x7f));
  voice.interrupt();
  frames.length = 0;
  voice.push('item_b', Buffer.alloc(800, 0x7f));
  let drained = false;
  const done = voice.whenDrained().then(() => (drained = true));
  await new Promise((r) => setImmediate(r));
  assert.equal(drained, false);
  for (const f of frames.filter((f) => f.event === 'mark')) voice.onMark(f.mark!.name);
  await done;
  assert.equal(drained, true);
  assert.equal(voice.interrupt(), undefined);
});
