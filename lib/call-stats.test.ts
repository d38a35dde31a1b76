// Unit tests for the dashboard's stats arithmetic (the SQL only groups; this decides the rates).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OutcomeGroup, summarise } from './call-stats';

const group = (over: Partial<OutcomeGroup> & Pick<OutcomeGroup, 'outcome' | 'calls'>): OutcomeGroup => ({
  ended: true, handedOff: false, registered: false, talkSeconds: 0, timed: 0, ...over,
});

test('rates are shares of ended calls; the average is over answered calls; live calls count as calls only', () => {
  const stats = summarise([
    group({ outcome: 'ACCEPTED', calls: 3, talkSeconds: 90, timed: 3 }),
    group({ outcome: 'NO_ANSWER', calls: 1 }),
    group({ outcome: 'ESCALATED', handedOff: true, calls: 1, talkSeconds: 60, timed: 1 }),
    group({ outcome: null, ended: false, calls: 2 }),
  ]);
  assert.deepEqual(stats, {
    calls: 7,
    ended: 5,
    outcomes: { ACCEPTED: 3, NO_ANSWER: 1, ESCALATED: 1 },
    success_rate: 0.8,
    average_duration_seconds: 37.5,
    handoff_rate: 0.2,
    handed_off: 1,
  });
});

test('handed-off calls count toward the handoff rate whatever their outcome, registered ones too', () => {
  const stats = summarise([
    group({ outcome: 'BOOKED', calls: 2 }),
    // Our receptionist handed to a person over Twilio: ESCALATED and through HANDED_OFF.
    group({ outcome: 'ESCALATED', handedOff: true, calls: 1 }),
    // Registered from outside: counted under how the lifecycle ended.
    group({ outcome: 'HANDED_OFF', handedOff: true, registered: true, calls: 1 }),
    group({ outcome: 'ENDED', registered: true, calls: 4 }),
    // Handed off and still with the person: not ended, not in the rate yet.
    group({ outcome: 'HANDED_OFF', handedOff: true, registered: true, ended: false, calls: 1 }),
  ]);
  assert.equal(stats.calls, 9);
  assert.equal(stats.ended, 8);
  assert.equal(stats.handed_off, 2);
  assert.equal(stats.handoff_rate, 0.25);
  assert.deepEqual(stats.outcomes, { BOOKED: 2, ESCALATED: 1, HANDED_OFF: 1, ENDED: 4 });
  assert.equal(stats.success_rate, 1, 'only our own calls have a success rate: their outside stack knows theirs');
});

test('only registered calls: no success rate, a handoff rate still', () => {
  const stats = summarise([group({ outcome: 'ENDED', registered: true, calls: 3 }), group({ outcome: 'HANDED_OFF', handedOff: true, registered: true, calls: 1 })]);
  assert.equal(stats.success_rate, null);
  assert.equal(stats.handoff_rate, 0.25);
});

test('no calls: no rates rather than zeros', () => {
  assert.deepEqual(summarise([]), { calls: 0, ended: 0, outcomes: {}, success_rate: null, average_duration_seconds: null, handoff_rate: null, handed_off: 0 });
});
