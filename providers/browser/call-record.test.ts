// What the simulator "carrier" says of a call when the workflow asks (reconciliation).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statusOf } from './call-record';

test('a ring is ringing until its time is up, then no-answer; decisions stand; an unknown call failed', () => {
  const ring = { callId: 'c', to: '+919000000001', ringingUntil: 10_000, status: 'ringing' as const };
  assert.equal(statusOf(ring, 9_999), 'ringing');
  assert.equal(statusOf(ring, 10_001), 'no-answer');
  assert.equal(statusOf({ ...ring, status: 'in-progress' }, 99_999), 'in-progress');
  assert.equal(statusOf({ ...ring, status: 'busy' }, 0), 'busy');
  assert.equal(statusOf(undefined), 'failed');
});
