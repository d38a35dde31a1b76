// Unit tests for the clinic's hours: slots around the break, closed days, the clinic's own time
// zone deciding "today", slots already begun, the booking horizon, and the settings' checks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../lib/config';
import { bookableSlots, clinicHours, type ClinicSettings, clinicToday, daySlots, parseOpenDays, slotProblem, slotStartsAt } from './clinic';

const DEFAULTS = loadConfig({ NERVE_ENV: 'test' });
const hours = clinicHours(DEFAULTS); // Asia/Kolkata (UTC+5:30), Mon-Fri 09:00-17:00, 30 min, break 12:00-13:00, 90 days
const withSettings = (overrides: Partial<ClinicSettings>) => clinicHours({ ...DEFAULTS, ...overrides });

// 2026-11-23 is a Monday. 04:45 UTC is 10:15 in Kolkata.
const MONDAY = '2026-11-23';
const MONDAY_10_15_IST = new Date('2026-11-23T04:45:00Z');

describe('clinic slots', () => {
  test('a weekday has the slots of its hours, none inside the lunch break or past closing', () => {
    assert.deepEqual(daySlots(hours, MONDAY), [
      '09:00', '09:30', '10:00', '10:30', '11:00', '11:30',
      '13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00', '16:30',
    ]);
  });

  test('weekends are closed days', () => {
    const friday = new Date('2026-11-20T04:00:00Z');
    assert.deepEqual(daySlots(hours, '2026-11-28'), []);
    assert.deepEqual(bookableSlots(hours, '2026-11-28', friday), { problem: 'closed_day' });
    assert.deepEqual(bookableSlots(hours, '2026-11-29', friday), { problem: 'closed_day' });
    assert.equal(slotProblem(hours, { date: '2026-11-29', time: '10:00' }, friday), 'closed_day');
  });

  test('a slot that does not fit the grid, the break or the hours is not a slot', () => {
    for (const time of ['10:15', '12:00', '12:30', '17:00', '08:30']) {
      assert.equal(slotProblem(hours, { date: '2026-11-24', time }, MONDAY_10_15_IST), 'not_a_slot', time);
    }
    assert.equal(slotProblem(hours, { date: '2026-11-24', time: '13:00' }, MONDAY_10_15_IST), undefined);
  });

  test('malformed or impossible dates and times are named as such', () => {
    for (const date of ['2026-02-30', '2026-2-3', 'tomorrow', '']) {
      assert.deepEqual(bookableSlots(hours, date, MONDAY_10_15_IST), { problem: 'invalid_date' }, date);
    }
    for (const time of ['25:00', '9:00', '10.30', '']) {
      assert.equal(slotProblem(hours, { date: '2026-11-24', time }, MONDAY_10_15_IST), 'invalid_time', time);
    }
  });

  test('today offers only slots that have not begun; earlier ones and earlier days are past', () => {
    const today = bookableSlots(hours, MONDAY, MONDAY_10_15_IST);
    assert.ok('slots' in today);
    assert.equal(today.slots[0], '10:30');
    assert.equal(today.slots.length, 11); // 10:30, 11:00, 11:30 and the afternoon's eight
    assert.equal(slotProblem(hours, { date: MONDAY, time: '10:00' }, MONDAY_10_15_IST), 'past');
    assert.equal(slotProblem(hours, { date: MONDAY, time: '10:30' }, new Date('2026-11-23T05:00:00Z')), 'past', 'a slot starting right now has begun');
    assert.equal(slotProblem(hours, { date: MONDAY, time: '10:30' }, MONDAY_10_15_IST), undefined);
    assert.deepEqual(bookableSlots(hours, '2026-11-20', MONDAY_10_15_IST), { problem: 'past' });
  });

  test("'today' is the clinic's date, not the server's", () => {
    // 20:00 UTC on Monday is 01:30 on Tuesday in Kolkata: Monday is past there, all of Tuesday is ahead.
    const lateMondayUtc = new Date('2026-11-23T20:00:00Z');
    assert.equal(clinicToday(hours, lateMondayUtc), '2026-11-24');
    assert.deepEqual(bookableSlots(hours, MONDAY, lateMondayUtc), { problem: 'past' });
    const tuesday = bookableSlots(hours, '2026-11-24', lateMondayUtc);
    assert.ok('slots' in tuesday && tuesday.slots.length === 14);
    // The same instant in New York is still Monday afternoon (15:00): the remaining slots only.
    const newYork = withSettings({ CLINIC_TIME_ZONE: 'America/New_York' });
    assert.equal(clinicToday(newYork, lateMondayUtc), MONDAY);
    assert.deepEqual(bookableSlots(newYork, MONDAY, lateMondayUtc), { slots: ['15:30', '16:00', '16:30'] });
  });

  test('bookings reach the horizon and not a day beyond', () => {
    const friday = new Date('2026-11-20T04:00:00Z'); // +90 days is Thursday 2027-02-18
    assert.equal(slotProblem(hours, { date: '2027-02-18', time: '09:00' }, friday), undefined);
    assert.equal(slotProblem(hours, { date: '2027-02-19', time: '09:00' }, friday), 'too_far');
    assert.deepEqual(bookableSlots(withSettings({ CLINIC_BOOKING_DAYS_AHEAD: 0 }), MONDAY, new Date('2026-11-22T04:00:00Z')), { problem: 'too_far' });
  });

  test('a slot starts at its wall-clock time in the clinic zone, across daylight saving too', () => {
    assert.equal(slotStartsAt(hours, { date: MONDAY, time: '09:00' }).toISOString(), '2026-11-23T03:30:00.000Z');
    const newYork = withSettings({ CLINIC_TIME_ZONE: 'America/New_York' });
    assert.equal(slotStartsAt(newYork, { date: '2026-03-06', time: '09:00' }).toISOString(), '2026-03-06T14:00:00.000Z'); // EST
    assert.equal(slotStartsAt(newYork, { date: '2026-03-09', time: '09:00' }).toISOString(), '2026-03-09T13:00:00.000Z'); // EDT
  });
});

describe('clinic settings', () => {
  test('open days take names, abbreviations, lists and wrapping ranges', () => {
    assert.deepEqual([...parseOpenDays('Mon-Fri')].sort(), [1, 2, 3, 4, 5]);
    assert.deepEqual([...parseOpenDays('mon, Wed,thurs')].sort(), [1, 3, 4]);
    assert.deepEqual([...parseOpenDays('Fri-Mon')].sort(), [0, 1, 5, 6]);
    assert.throws(() => parseOpenDays('Funday'), /Funday/);
    assert.throws(() => parseOpenDays('Mo'), /Mo/);
    assert.throws(() => parseOpenDays(''), /no day/);
  });

  test('other hours and breaks change the slots', () => {
    const saturdays = withSettings({ CLINIC_OPEN_DAYS: 'Sat', CLINIC_OPENS: '10:00', CLINIC_CLOSES: '12:00', CLINIC_SLOT_MINUTES: 45, CLINIC_BREAK: '' });
    assert.deepEqual(daySlots(saturdays, '2026-11-28'), ['10:00', '10:45']);
    assert.deepEqual(daySlots(saturdays, MONDAY), []);
    const twoBreaks = withSettings({ CLINIC_BREAK: '10:00-10:30, 12:00-14:00' });
    assert.deepEqual(daySlots(twoBreaks, MONDAY).slice(0, 6), ['09:00', '09:30', '10:30', '11:00', '11:30', '14:00']);
  });

  test('settings that do not make a day stop the configuration, naming the setting', () => {
    assert.throws(() => loadConfig({ NERVE_ENV: 'test', CLINIC_CLOSES: '08:00' }), /Invalid configuration: CLINIC_CLOSES/);
    assert.throws(() => loadConfig({ NERVE_ENV: 'test', CLINIC_TIME_ZONE: 'Mars/Olympus' }), /CLINIC_TIME_ZONE/);
    assert.throws(() => loadConfig({ NERVE_ENV: 'test', CLINIC_OPEN_DAYS: 'Mon-Fry' }), /CLINIC_OPEN_DAYS/);
    assert.throws(() => loadConfig({ NERVE_ENV: 'test', CLINIC_BREAK: '13:00-12:00' }), /CLINIC_BREAK/);
    assert.throws(() => loadConfig({ NERVE_ENV: 'test', CLINIC_OPENS: '9am' }), /CLINIC_OPENS/);
  });
});
