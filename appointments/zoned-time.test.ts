// Unit tests for the Intl-based calendar and wall-clock helpers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { addDays, instantOf, isCalendarDate, isTimeZone, minutesOf, timeOf, wallClock, weekdayOf } from './zoned-time';

describe('zoned time', () => {
  test('calendar dates are real days, written YYYY-MM-DD', () => {
    assert.equal(isCalendarDate('2028-02-29'), true); // leap year
    assert.equal(isCalendarDate('2027-02-29'), false);
    assert.equal(isCalendarDate('2026-13-01'), false);
    assert.equal(isCalendarDate('2026-1-01'), false);
    assert.equal(isCalendarDate(' 2026-01-01'), false);
  });

  test('days add across months and years; weekdays follow the calendar', () => {
    assert.equal(addDays('2026-12-30', 3), '2027-01-02');
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(weekdayOf('2026-11-23'), 1);
    assert.equal(weekdayOf('2026-11-29'), 0);
  });

  test('clock times are HH:MM, 24-hour', () => {
    assert.equal(minutesOf('00:00'), 0);
    assert.equal(minutesOf('23:59'), 1439);
    for (const bad of ['24:00', '9:00', '12:60', '12:00:00']) assert.equal(minutesOf(bad), undefined, bad);
    assert.equal(timeOf(570), '09:30');
  });

  test('wall clocks and instants in zones with and without daylight saving', () => {
    assert.deepEqual(wallClock(new Date('2026-11-23T18:29:00Z'), 'Asia/Kolkata'), { date: '2026-11-23', minutes: 23 * 60 + 59 });
    assert.deepEqual(wallClock(new Date('2026-11-23T18:30:00Z'), 'Asia/Kolkata'), { date: '2026-11-24', minutes: 0 });
    assert.equal(instantOf('2026-11-24', 0, 'Asia/Kolkata').toISOString(), '2026-11-23T18:30:00.000Z');
    assert.equal(instantOf('2026-07-01', 9 * 60, 'Europe/London').toISOString(), '2026-07-01T08:00:00.000Z'); // BST
    assert.equal(instantOf('2026-12-01', 9 * 60, 'Europe/London').toISOString(), '2026-12-01T09:00:00.000Z'); // GMT
    assert.equal(instantOf('2026-11-01', 90, 'America/New_York').toISOString(), '2026-11-01T05:30:00.000Z', 'a repeated 01:30 is the first');
    assert.equal(instantOf('2026-03-08', 150, 'America/New_York').toISOString(), '2026-03-08T06:30:00.000Z', 'a skipped 02:30 comes out an hour early');
  });

  test('time zones are IANA names Intl knows', () => {
    assert.equal(isTimeZone('Asia/Kolkata'), true);
    assert.equal(isTimeZone('UTC'), true);
    assert.equal(isTimeZone('Asia/Bangalore'), false);
  });
});
