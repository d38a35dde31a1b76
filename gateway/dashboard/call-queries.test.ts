// Unit tests for the history filter's dates: days in the dashboard's time zone, `to` inclusive.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dateRange, HistoryQuery } from './call-queries';

test('a bare day is that day in the time zone, both ends included', () => {
  assert.deepEqual(dateRange('2026-11-21', '2026-11-21', 'Asia/Kolkata'), {
    gte: new Date('2026-11-20T18:30:00.000Z'),
    lt: new Date('2026-11-21T18:30:00.000Z'),
  });
  assert.deepEqual(dateRange('2026-11-21', undefined, 'UTC'), { gte: new Date('2026-11-21T00:00:00.000Z') });
});

test('an instant is taken as given', () => {
  assert.deepEqual(dateRange('2026-11-21T10:00:00Z', '2026-11-21T11:00:00+05:30', 'Asia/Kolkata'), {
    gte: new Date('2026-11-21T10:00:00.000Z'),
    lt: new Date('2026-11-21T05:30:00.001Z'),
  });
});

test('the query refuses what is not a filter', () => {
  assert.equal(HistoryQuery.safeParse({ from: '2026-02-30' }).success, false, 'no such day');
  assert.equal(HistoryQuery.safeParse({ to: 'yesterday' }).success, false);
  assert.equal(HistoryQuery.safeParse({ page: '0' }).success, false);
  assert.equal(HistoryQuery.safeParse({ page_size: '101' }).success, false);
  assert.equal(HistoryQuery.safeParse({ order_id: 'A1' }).success, false, 'unknown filters are errors, not ignored');
  assert.deepEqual(HistoryQuery.parse({ key: ' A1 ', page: '2' }), { key: 'A1', page: 2, page_size: 25 });
});

test('the history filters by lifecycle state, by having been handed off, and by source', () => {
  assert.deepEqual(HistoryQuery.parse({ state: 'HANDED_OFF', handed_off: 'true', source: ' livekit ' }), { state: 'HANDED_OFF', handed_off: true, source: 'livekit', page: 1, page_size: 25 });
  assert.equal(HistoryQuery.parse({ handed_off: 'false' }).handed_off, false);
  assert.equal(HistoryQuery.safeParse({ state: 'ON_HOLD' }).success, false, 'only the lifecycle\'s states');
  assert.equal(HistoryQuery.safeParse({ state: 'handed_off' }).success, false, 'states are spelt as the lifecycle spells them');
  assert.equal(HistoryQuery.safeParse({ handed_off: 'yes' }).success, false);
});
