// Unit tests for the dashboard's stats arithmetic (the SQL only groups; this decides the rates).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { summarise } from './call-stats';

test('rates are shares of ended calls; the average is over answered calls; live calls count as calls only', () => {
  const stats = summarise([
    { outcome: 'ACCEPTED', ended: true, calls: 3, talkSeconds: 90, timed: 3 },
    { outcome: 'NO_ANSWER', ended: true, calls: 1, talkSeconds: 0, timed: 0 },
    { outcome: 'ESCALATED', ended: true, calls: 1, talkSeconds: 60, timed: 1 },
    { outcome: null, ended: false, calls: 2, talkSeconds: 0, timed: 0 },
  ]);
  assert.deepEqual(stats, {
    calls: 7,
    ended: 5,
    outcomes: { ACCEPTED: 3, NO_ANSWER: 1, ESCALATED: 1 },
    success_rate: 0.8,
    average_duration_seconds: 37.5,
    handoff_rate: 0.2,
  });
});

test('no calls: no rates rather than zeros', () => {
  assert.deepEqual(summarise([]), { calls: 0, ended: 0, outcomes: {}, success_rate: null, average_duration_seconds: null, handoff_rate: null });
});
