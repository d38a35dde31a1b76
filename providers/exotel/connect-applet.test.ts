import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectAppletResponse, MAX_RINGING_SECONDS } from './connect-applet';

test('the Connect applet answer names the agents, the ring time and recording, and whispers the summary to the agent', () => {
  const body = connectAppletResponse({ numbers: ['+919800000999', '+919800000998'], ringSeconds: 25, record: true, callerId: '08047112233', whisper: '  Caller wants   a person.\nAnswered yes twice. ' });
  assert.deepEqual(body, {
    fetch_after_attempt: false,
    destination: { numbers: ['+919800000999', '+919800000998'] },
    outgoing_phone_number: '08047112233',
    record: true,
    recording_channels: 'dual',
    max_ringing_duration: 25,
    start_call_playback: { playback_to: 'callee', type: 'text', value: 'Caller wants a person. Answered yes twice.' },
  });
});

test('without a caller id or a summary those fields are left to the applet; the ring time is capped', () => {
  const body = connectAppletResponse({ numbers: ['+919800000999'], ringSeconds: 120, record: false, whisper: '   ' });
  assert.equal(body.max_ringing_duration, MAX_RINGING_SECONDS);
  assert.equal('outgoing_phone_number' in body, false);
  assert.equal('start_call_playback' in body, false);
  assert.equal(body.record, false);
});

test('a long summary is cut so the agent is not kept listening', () => {
  const body = connectAppletResponse({ numbers: ['+919800000999'], ringSeconds: 20, record: false, whisper: 'word '.repeat(200) });
  assert.ok(body.start_call_playback!.value.length <= 400);
});
