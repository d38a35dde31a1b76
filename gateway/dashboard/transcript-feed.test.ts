// Unit tests for the live transcript lines the gateway publishes from a media session's control.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { AgentControl, CallControl } from '../../providers/types';
import { callEventLog, closeCallEventLog, type StoredCallEvent } from '../../lib/call-events';
import type { NextPrompt } from '../../workflows/types';
import { withLiveTranscript } from './transcript-feed';

after(() => closeCallEventLog());

const prompt = (seq: number, text: string): NextPrompt => ({ id: `q${seq}`, text, hangup: false, seq });

/** A control that answers every turn with the next question, and remembers what reached it. */
class ScriptedControl {
  readonly calls: string[] = [];
  private seq = 1;
  async submitUtterance(_callId: string, input: { text: string }) {
    this.calls.push(`utterance ${input.text}`);
    return prompt(++this.seq, `question ${this.seq}`);
  }
  async submitDigits(_callId: string, input: { digits: string }) {
    this.calls.push(`digits ${input.digits}`);
    return prompt(++this.seq, `question ${this.seq}`);
  }
  async watchPrompt() {
    return prompt(1, 'Hello, first question');
  }
  async recordTranscript(_callId: string, line: { text: string }) {
    this.calls.push(`line ${line.text}`);
  }
  async callType() {
    return 'questionnaire' as const;
  }
}

async function linesAfter(from: string): Promise<Extract<StoredCallEvent, { type: 'transcript' }>['data'][]> {
  const events = await callEventLog().since(from, 100);
  return events.flatMap((e) => (e.type === 'transcript' ? [e.data] : []));
}

test('what passes through the control is published once per line, with ids stable across retries', async () => {
  const from = await callEventLog().lastId();
  const inner = new ScriptedControl();
  const control = withLiveTranscript(inner as unknown as CallControl & AgentControl);
  const callSid = 'CA1';

  assert.equal((await control.watchPrompt('call-1', { callSid, afterSeq: 0 })).text, 'Hello, first question');
  const next = await control.submitUtterance('call-1', { callSid, text: 'Yes I am', confidence: 0.9, language: 'en', durationMs: 900 }, 'stream:1');
  assert.equal(next.seq, 2, 'the control answers as before');
  await control.submitDigits('call-1', { callSid, digits: '1' }, 'stream:2');
  await control.recordTranscript('call-1', { callSid, itemId: 'item_9', speaker: 'agent', text: 'Booked for Monday.' });
  assert.equal(await control.callType('call-1'), 'questionnaire', 'other methods are the control\'s own');
  assert.deepEqual(inner.calls, ['utterance Yes I am', 'digits 1', 'line Booked for Monday.']);

  // Publishing is fire-and-forget: wait until the last line is in the log.
  let lines: Awaited<ReturnType<typeof linesAfter>> = [];
  for (let i = 0; i < 100 && lines.length < 6; i++) {
    lines = await linesAfter(from);
    if (lines.length < 6) await new Promise((r) => setTimeout(r, 20));
  }
  const byId = Object.fromEntries(lines.map((l) => [l.line_id, [l.speaker, l.text, l.prompt_id]]));
  assert.deepEqual(byId, {
    'call-1/prompt/1': ['bot', 'Hello, first question', 'q1'],
    'call-1/said/stream:1': ['caller', 'Yes I am', undefined],
    'call-1/prompt/2': ['bot', 'question 2', 'q2'],
    'call-1/said/stream:2': ['caller', '[keys] 1', undefined],
    'call-1/prompt/3': ['bot', 'question 3', 'q3'],
    'call-1/item/item_9': ['bot', 'Booked for Monday.', undefined],
  });
});
