// Unit tests for what one journal save publishes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallEventEntry, CallRecord, TranscriptEntry } from '../activities/persistence';
import { CallEventSchema } from './call-events';
import { eventOfSave, eventsOfSave } from './call-feed';

const record = (over: Partial<CallRecord> = {}): CallRecord => ({
  callId: 'questionnaire-Q7', callType: 'questionnaire', businessKey: 'Q7', partyId: 'Q7', calleePhone: '+919812345678',
  language: 'en', provider: 'twilio', status: 'IN_CALL', digits: [], attempts: 1, ...over,
});

const registered = (state: 'CREATED' | 'ACTIVE' | 'HANDED_OFF' | 'ENDED', over: Partial<CallRecord> = {}): CallRecord => record({
  callId: 'call-lk-1', callType: 'support', businessKey: 'call-lk-1', partyId: 'livekit', calleePhone: '', provider: 'external', attempts: 0,
  status: state === 'CREATED' ? 'PREPARING' : 'IN_CALL',
  lifecycle: { state, source: 'livekit', roomName: 'room-1', ...(state === 'HANDED_OFF' ? { handoffReason: 'caller_asked', handoffAt: '2026-11-22T00:01:00.000Z' } : {}) },
  ...over,
});

const transition = (n: number, from: string, to: string, actor: string, reason?: string): CallEventEntry => ({
  dedupeKey: `run-1:${n}`, kind: 'lifecycle', data: { from, to, actor, ...(reason ? { reason } : {}), at: `2026-11-22T00:0${n}:00.000Z` },
});

test('a new call is announced with a masked number, its direction and its latest step', () => {
  const event = eventOfSave(record(), [{ dedupeKey: 'run:1', kind: 'dialed', data: {} }], true);
  assert.ok(event.type === 'call_started');
  assert.equal(event.data.phone_masked, '+91*******678');
  assert.ok(!JSON.stringify(event).includes('9812345678'), 'no full number in the event');
  assert.equal(event.data.direction, 'outbound');
  assert.equal(event.data.step, 'dialed');
});

test('a later save is an update; the last one ends the call', () => {
  assert.equal(eventOfSave(record(), [], false).type, 'call_updated');
  const ended = eventOfSave(record({ callId: 'inbound-twilio-CA1', status: 'COMPLETED', outcome: 'ELIGIBLE' }), [], false);
  assert.ok(ended.type === 'call_ended' && ended.data.direction === 'inbound' && ended.data.outcome === 'ELIGIBLE');
});

test('our own call carries its lifecycle state and the transitions the save stored', () => {
  const event = eventOfSave(record({ lifecycle: { state: 'ACTIVE', source: 'nerve' } }), [
    { dedupeKey: 'run-1:1', kind: 'answered', data: {} }, transition(2, 'CREATED', 'ACTIVE', 'orchestrator'),
  ], false);
  assert.ok(event.type === 'call_updated');
  assert.equal(event.data.lifecycle, 'ACTIVE');
  assert.equal(event.data.source, 'nerve');
  assert.equal(event.data.handoff, null);
  assert.deepEqual(event.data.transitions, [{ key: 'run-1:2', from: 'CREATED', to: 'ACTIVE', actor: 'orchestrator', reason: null, at: '2026-11-22T00:02:00.000Z' }]);
  assert.equal(CallEventSchema.safeParse(event).success, true);
  const quiet = eventOfSave(record({ lifecycle: { state: 'ACTIVE', source: 'nerve' } }), [{ dedupeKey: 'run-1:3', kind: 'digits', data: {} }], false);
  assert.equal(quiet.data.transitions, undefined, 'a save without a transition carries none');
  assert.equal(event.data.step, 'answered', 'the step is what the call did, not the transition');
  const onlyTransition = eventOfSave(record({ lifecycle: { state: 'ENDED', source: 'nerve' } }), [transition(4, 'ACTIVE', 'ENDED', 'orchestrator', 'ACCEPTED')], false);
  assert.equal(onlyTransition.data.step, undefined, 'nothing new to say: the page keeps the last step');
});

test('a call from before the lifecycle has none (null), and still reads as a summary', () => {
  const event = eventOfSave(record(), [], false);
  assert.equal(event.data.lifecycle, null);
  assert.equal(CallEventSchema.safeParse(event).success, true);
});

test('a registered call: no direction or number of ours, its source and room', () => {
  const [event] = eventsOfSave(registered('CREATED'), [], [], true);
  assert.ok(event.type === 'call_started');
  assert.equal(event.data.direction, null);
  assert.equal(event.data.phone_masked, '', 'its stack keeps the number: nothing to mask, nothing shown');
  assert.equal(event.data.source, 'livekit');
  assert.equal(event.data.room_name, 'room-1');
  assert.equal(CallEventSchema.safeParse(event).success, true);
});

test('a save that stored a handoff publishes the new state, then the handoff notice', () => {
  const events = eventsOfSave(registered('HANDED_OFF'), [transition(1, 'ACTIVE', 'HANDED_OFF', 'api:ops-desk', 'caller_asked')], [], false);
  assert.deepEqual(events.map((e) => e.type), ['call_updated', 'call_handed_off']);
  const [update, notice] = events;
  assert.ok(update.type === 'call_updated' && update.data.lifecycle === 'HANDED_OFF');
  assert.deepEqual(update.data.handoff, { reason: 'caller_asked', at: '2026-11-22T00:01:00.000Z' });
  assert.deepEqual(notice.data, { call_id: 'call-lk-1', call_type: 'support', reason: 'caller_asked', actor: 'api:ops-desk', at: '2026-11-22T00:01:00.000Z', key: 'run-1:1' });
  for (const e of events) assert.equal(CallEventSchema.safeParse(e).success, true, e.type);
});

test('a retried save publishes the same transition keys (the page shows each once)', () => {
  const save = () => eventsOfSave(registered('HANDED_OFF'), [transition(1, 'ACTIVE', 'HANDED_OFF', 'rules', 'caller_asked_for_human')], [], false);
  assert.deepEqual(save(), save());
});

test('a registered call\'s turns are published from its saves with their journal keys; our own calls\' are not (the gateway publishes them live)', () => {
  const turns: TranscriptEntry[] = [
    { dedupeKey: 'turn:t-1', speaker: 'caller', text: 'I want a person', at: '2026-11-22T00:00:01.000Z', seq: 1 },
    { dedupeKey: 'turn:t-2', speaker: 'agent', text: 'Priya here, how can I help?', at: '2026-11-22T00:00:09.000Z', seq: 2 },
  ];
  const events = eventsOfSave(registered('ACTIVE'), [], turns, false);
  assert.deepEqual(events.map((e) => e.type), ['call_updated', 'transcript', 'transcript']);
  assert.deepEqual(events[2].data, { call_id: 'call-lk-1', line_id: 'turn:t-2', speaker: 'agent', text: 'Priya here, how can I help?', at: '2026-11-22T00:00:09.000Z' });
  for (const e of events) assert.equal(CallEventSchema.safeParse(e).success, true);
  assert.deepEqual(eventsOfSave(record(), [], turns, false).map((e) => e.type), ['call_updated']);
});
