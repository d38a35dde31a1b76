// The four tools end to end over the real PostgreSQL, with the clock fixed: a clash answers
// slot_taken with the nearest free slots, a retried booking finds its own row, and everything the
// model can act on comes back as data.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadConfig } from '../lib/config';
import { useAppointmentsDb } from '../test/support/appointments-db';
import { availableSlots, bookAppointment, type BookingContext, cancelBooking, lookUpAppointment } from './booking';
import { clinicHours } from './clinic';

const pg = useAppointmentsDb();

const hours = clinicHours(loadConfig({ NERVE_ENV: 'test' })); // Kolkata, Mon-Fri 09:00-17:00, 30 min, lunch 12-13
const SUNDAY_NOON_IST = new Date('2026-11-22T06:30:00Z');
const at = (now: Date, numbers?: string[]): BookingContext => ({ hours, now, drawNumber: numbers && (() => numbers.shift() ?? 'APT-00000') });
const sunday = at(SUNDAY_NOON_IST);
const MONDAY = '2026-11-23';

const request = (toolCallId: string, time = '10:30', date = MONDAY) => ({
  bookingKey: `inbound-twilio-CA1:${toolCallId}`, callId: 'inbound-twilio-CA1', customerName: ' Asha Rao ', date, time,
});

describe('booking tools', () => {
  test('two callers want one slot at once: one books it, the other hears the nearest free slots', async () => {
    await bookAppointment(sunday, request('other', '11:00'));
    const [a, b] = await Promise.all([bookAppointment(sunday, request('a')), bookAppointment(sunday, request('b'))]);
    const answers = [a, b].sort((x, y) => x.status.localeCompare(y.status)); // booked, slot_taken
    assert.equal(answers[0].status, 'booked');
    assert.deepEqual(answers[1], { status: 'slot_taken', alternatives: ['2026-11-23 10:00', '2026-11-23 09:30', '2026-11-23 11:30'] });
    assert.ok(answers[0].status === 'booked');
    assert.deepEqual({ ...answers[0].appointment, confirmationNumber: undefined }, {
      confirmationNumber: undefined, customerName: 'Asha Rao', date: MONDAY, time: '10:30', status: 'BOOKED',
    });
    assert.match(answers[0].appointment.confirmationNumber, /^APT-\d{5}$/);
  });

  test('a retried booking answers with its own appointment, even once its slot has begun', async () => {
    const first = await bookAppointment(sunday, request('t1', '09:00'));
    assert.ok(first.status === 'booked');
    const mondayAfternoon = at(new Date('2026-11-23T09:00:00Z'));
    assert.deepEqual(await bookAppointment(mondayAfternoon, request('t1', '09:00')), first);
    assert.deepEqual(await bookAppointment(mondayAfternoon, request('t2', '09:00')), { status: 'invalid', reason: 'past' });
    assert.equal((await pg.query('SELECT count(*)::int AS n FROM appointments')).rows[0].n, 1);
  });

  test('what the model got wrong comes back as a reason, and nothing is written', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [request('c1', '10:30', '2026-11-28'), 'closed_day'],
      [request('c2', '10:15'), 'not_a_slot'],
      [request('c3', '12:00'), 'not_a_slot'],
      [request('c4', '10:30', '2026-11-20'), 'past'],
      [request('c5', '10:30', '2027-06-01'), 'too_far'],
      [request('c6', '10:30', 'next monday'), 'invalid_date'],
      [request('c7', 'half past ten'), 'invalid_time'],
      [{ ...request('c8'), customerName: '   ' }, 'invalid_name'],
      [{ ...request('c9'), bookingKey: '' }, 'invalid_request'],
      [{ date: MONDAY, time: '10:30' }, 'invalid_request'],
    ];
    for (const [input, reason] of cases) assert.deepEqual(await bookAppointment(sunday, input), { status: 'invalid', reason }, reason);
    assert.equal((await pg.query('SELECT count(*)::int AS n FROM appointments')).rows[0].n, 0);
  });

  test('a time said as 9:00 is the 09:00 slot; a full number handed in is stored masked', async () => {
    const answer = await bookAppointment(sunday, { ...request('p1', '9:00'), callerPhoneMasked: '+919812345678' });
    assert.equal(answer.status === 'booked' && answer.appointment.time, '09:00');
    const row = (await pg.query('SELECT caller_phone_masked, starts_at FROM appointments')).rows[0];
    assert.equal(row.caller_phone_masked, '+91*******678');
    assert.equal(row.starts_at.toISOString(), '2026-11-23T03:30:00.000Z');
  });

  test('available slots leave out booked ones; a date nobody can book says why', async () => {
    await bookAppointment(sunday, request('s1', '09:30'));
    await bookAppointment(sunday, request('s2', '16:30'));
    const monday = await availableSlots(sunday, { date: MONDAY });
    assert.deepEqual(monday, {
      date: MONDAY,
      slots: ['09:00', '10:00', '10:30', '11:00', '11:30', '13:00', '13:30', '14:00', '14:30', '15:00', '15:30', '16:00'],
    });
    assert.deepEqual(await availableSlots(sunday, { date: '2026-11-22' }), { error: 'The clinic is closed on that day.', reason: 'closed_day' });
    assert.deepEqual(await availableSlots(sunday, { date: '2026-11-20' }), { error: 'That date has already passed.', reason: 'past' });
    assert.deepEqual(await availableSlots(sunday, { date: '2027-06-01' }), { error: 'Appointments can be booked at most 90 days ahead.', reason: 'too_far' });
    assert.equal((await availableSlots(sunday, {}) as { reason: string }).reason, 'invalid_date');
  });

  test('look-up and cancellation by confirmation number, as a caller might say it', async () => {
    await bookAppointment(at(SUNDAY_NOON_IST, ['APT-04217']), request('l1'));
    const found = await lookUpAppointment('apt 04217');
    assert.deepEqual(found, { found: true, appointment: { confirmationNumber: 'APT-04217', customerName: 'Asha Rao', date: MONDAY, time: '10:30', status: 'BOOKED' } });
    assert.deepEqual(await lookUpAppointment('APT-99999'), { found: false });
    assert.deepEqual(await lookUpAppointment('my booking'), { found: false });

    const cancelled = await cancelBooking('04217', 'inbound-twilio-CA2:c1');
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.appointment?.status, 'CANCELLED');
    assert.deepEqual(await cancelBooking('APT-04217', 'inbound-twilio-CA2:c1'), cancelled);
    assert.equal((await cancelBooking('APT-04217', 'inbound-twilio-CA3:c1')).status, 'already_cancelled');
    assert.deepEqual(await cancelBooking('APT-1', 'k'), { status: 'not_found' });
    assert.deepEqual(await lookUpAppointment('APT-04217'), { found: true, appointment: { ...found.found && found.appointment, status: 'CANCELLED' } });
    // The cancelled slot is offered and bookable again.
    assert.ok((await availableSlots(sunday, { date: MONDAY }) as { slots: string[] }).slots.includes('10:30'));
    assert.equal((await bookAppointment(sunday, request('l2'))).status, 'booked');
  });
});
