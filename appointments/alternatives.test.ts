// Unit tests for the slots offered instead of a taken one: nearest first on the same day, then
// the next open days, never a slot that has begun or one past the booking horizon.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../lib/config';
import { daySlots, clinicHours } from './clinic';
import { nearestFreeSlots, scanRange, slotText } from './alternatives';

const hours = clinicHours(loadConfig({ NERVE_ENV: 'test' })); // Kolkata, Mon-Fri 09:00-17:00, 30 min, lunch 12-13
const SUNDAY_NOON_IST = new Date('2026-11-22T06:30:00Z');
const booked = (entries: Record<string, string[]>) => new Map(Object.entries(entries).map(([d, t]) => [d, new Set(t)]));
const texts = (slots: { date: string; time: string }[]) => slots.map(slotText);

describe('nearest free slots', () => {
  test('the same day first, closest in time, the earlier on a tie', () => {
    const taken = booked({ '2026-11-23': ['10:30', '11:00'] });
    assert.deepEqual(texts(nearestFreeSlots(hours, { date: '2026-11-23', time: '10:30' }, taken, SUNDAY_NOON_IST)), [
      '2026-11-23 10:00', '2026-11-23 09:30', '2026-11-23 11:30',
    ]);
  });

  test('a full day sends the caller to the next open day, over the weekend', () => {
    const taken = booked({ '2026-11-27': daySlots(hours, '2026-11-27'), '2026-11-30': ['09:30'] });
    assert.deepEqual(texts(nearestFreeSlots(hours, { date: '2026-11-27', time: '16:30' }, taken, SUNDAY_NOON_IST)), [
      '2026-11-30 09:00', '2026-11-30 10:00', '2026-11-30 10:30',
    ]);
  });

  test('slots that have begun today are not offered', () => {
    const monday10_15 = new Date('2026-11-23T04:45:00Z');
    const taken = booked({ '2026-11-23': ['10:30'] });
    assert.deepEqual(texts(nearestFreeSlots(hours, { date: '2026-11-23', time: '10:30' }, taken, monday10_15)), [
      '2026-11-23 11:00', '2026-11-23 11:30', '2026-11-23 13:00',
    ]);
  });

  test('nothing past the booking horizon', () => {
    const lastDay = '2027-02-19'; // a Friday, the 90th day after Saturday 2026-11-21
    const now = new Date('2026-11-21T06:30:00Z');
    assert.deepEqual(nearestFreeSlots(hours, { date: lastDay, time: '09:00' }, booked({ [lastDay]: daySlots(hours, lastDay) }), now), []);
    assert.deepEqual(scanRange({ date: lastDay, time: '09:00' }), { from: lastDay, to: '2027-03-05' });
  });
});
