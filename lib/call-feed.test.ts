// Unit tests for what one journal save publishes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallRecord } from '../activities/persistence';
import { eventsOfSave } from './call-feed';

const record = (over: Partial<CallRecord> = {}): CallRecord => ({
  callId: 'questionnaire-Q7', callType: 'questionnaire', businessKey: 'Q7', partyId: 'Q7', calleePhone: '+919812345678',
  language: 'en', provider: 'twilio', status: 'IN_CALL', digits: [], attempts: 1, ...over,
});
const said = [{ dedupeKey: 'run:t3', speaker: 'bot' as const, text: 'Are you over 18?', at: '2026-11-21T10:00:00.000Z' }];

test('a new call is announced before its lines, with a masked number and its direction', () => {
  const events = eventsOfSave(record(), [{ dedupeKey: 'run:1', kind: 'dialed', data: {} }], said, true);
  assert.deepEqual(events.map((e) => e.type), ['call_started', 'transcript']);
  const started = events[0];
  assert.ok(started.type === 'call_started');
  assert.equal(started.data.phone_masked, '+91*******678');
  assert.ok(!JSON.stringify(events).includes('9812345678'), 'no full number in any event');
  assert.equal(started.data.direction, 'outbound');
  assert.equal(started.data.step, 'dialed');
  assert.deepEqual(events[1].data, { call_id: 'questionnaire-Q7', line_id: 'run:t3', speaker: 'bot', text: 'Are you over 18?', at: '2026-11-21T10:00:00.000Z' });
});

test('a later save is an update; the last one ends the call after its last lines', () => {
  assert.deepEqual(eventsOfSave(record(), [], [], false).map((e) => e.type), ['call_updated']);
  const ended = eventsOfSave(record({ callId: 'inbound-twilio-CA1', status: 'COMPLETED', outcome: 'ELIGIBLE' }), [], said, false);
  assert.deepEqual(ended.map((e) => e.type), ['transcript', 'call_ended']);
  assert.ok(ended[1].type === 'call_ended' && ended[1].data.direction === 'inbound' && ended[1].data.outcome === 'ELIGIBLE');
});
