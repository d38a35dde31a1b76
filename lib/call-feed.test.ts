// Unit tests for what one journal save publishes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CallRecord } from '../activities/persistence';
import { eventOfSave } from './call-feed';

const record = (over: Partial<CallRecord> = {}): CallRecord => ({
  callId: 'questionnaire-Q7', callType: 'questionnaire', businessKey: 'Q7', partyId: 'Q7', calleePhone: '+919812345678',
  language: 'en', provider: 'twilio', status: 'IN_CALL', digits: [], attempts: 1, ...over,
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
