import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ProviderStatusEvent } from '../messages';
import { HandedOffStreams } from './handed-off-streams';

const started = (streamSid: string): ProviderStatusEvent => ({ callSid: 'CA1', event: 'answered', streamSid });
const streamEnded = (streamSid?: string, callEnded?: boolean): ProviderStatusEvent => ({ callSid: 'CA1', event: 'terminal', status: 'completed', source: 'media-stream', streamSid, ...(callEnded && { callEnded }) });

test('while the caller is with a person, the end of their stream is the handoff, not a hang-up', () => {
  const streams = new HandedOffStreams();
  streams.endedByHandoff(started('MS1'), false, false);
  assert.equal(streams.endedByHandoff(streamEnded('MS1'), true, true), true);
  assert.equal(streams.endedByHandoff(streamEnded(undefined), true, true), true, 'a gateway that names no stream: as before');
});

test('the handed-off stream\'s end reported after the caller is back with the bot (even after the new stream began) is still the handoff', () => {
  const streams = new HandedOffStreams();
  streams.endedByHandoff(started('MS1'), false, false);
  streams.endedByHandoff(started('MS2'), true, false); // the stream back to the bot
  assert.equal(streams.endedByHandoff(streamEnded('MS1'), true, false), true);
  assert.equal(streams.endedByHandoff(streamEnded('MS2'), true, false), false, 'the new stream ending is the caller leaving');
});

test('a stream that ends on a call never handed off, or with the provider saying the call ended, is a hang-up', () => {
  const streams = new HandedOffStreams();
  streams.endedByHandoff(started('MS1'), false, false);
  assert.equal(streams.endedByHandoff(streamEnded('MS1'), false, false), false);
  assert.equal(streams.endedByHandoff(streamEnded('MS1', true), true, true), false);
  assert.equal(streams.endedByHandoff(streamEnded('MS1', true), true, false), false);
});

test('status callbacks from the provider are never taken for a stream\'s end', () => {
  const streams = new HandedOffStreams();
  streams.endedByHandoff(started('MS1'), false, false);
  assert.equal(streams.endedByHandoff({ callSid: 'CA1', event: 'terminal', status: 'completed' }, true, true), false);
});
