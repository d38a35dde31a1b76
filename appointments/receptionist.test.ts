import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clinicHours } from './clinic';
import { receptionistInstructions } from './receptionist';

const hours = clinicHours({
  CLINIC_TIME_ZONE: 'Asia/Kolkata', CLINIC_OPEN_DAYS: 'Mon-Fri', CLINIC_OPENS: '09:00', CLINIC_CLOSES: '17:00',
  CLINIC_SLOT_MINUTES: 30, CLINIC_BREAK: '12:00-13:00', CLINIC_BOOKING_DAYS_AHEAD: 90,
});

test("the receptionist is told today's date in the clinic's time zone, not the server's", () => {
  // 20:00 UTC on Sunday is already Monday 01:30 in Kolkata.
  const text = receptionistInstructions(hours, new Date('2026-11-22T20:00:00Z'));
  assert.match(text, /Today is Monday 2026-11-23 \(clinic time, Asia\/Kolkata\)/);
  assert.match(text, /Monday, Tuesday, Wednesday, Thursday, Friday, 09:00 to 17:00, in 30-minute appointments, none from 12:00 to 13:00, up to 90 days ahead/);
});
