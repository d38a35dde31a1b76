// The appointments table against the real PostgreSQL of scripts/test.sh: the database settles
// slot clashes, booking and cancelling are idempotent by key, and a repeated confirmation number
// is drawn again.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { useAppointmentsDb } from '../test/support/appointments-db';
import { book, bookedTimes, cancel, listForDate, type NewAppointment } from './store';
import type { Slot } from './types';

const pg = useAppointmentsDb();

const SLOT: Slot = { date: '2031-03-03', time: '10:30' };

function appointment(bookingKey: string, slot: Slot = SLOT, customerName = 'Asha Rao'): NewAppointment {
  return { bookingKey, callId: 'inbound-twilio-CA1', customerName, slot, startsAt: new Date(`${slot.date}T${slot.time}:00+05:30`), callerPhoneMasked: '+91******210' };
}

const rowsFor = async (slot: Slot) =>
  (await pg.query("SELECT confirmation_number, status, booking_key FROM appointments WHERE slot_date = $1 AND slot_time = $2", [slot.date, slot.time])).rows;

/** A confirmation-number source that hands out the given numbers in turn and counts its draws. */
function numbers(...sequence: string[]) {
  const source = () => sequence[Math.min(source.draws++, sequence.length - 1)];
  source.draws = 0;
  return source;
}

describe('appointments store', () => {
  test('twenty concurrent bookings of one slot: exactly one wins, the others hear slot_taken', async () => {
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => book(appointment(`call-${i}:tool-1`))));
    const winners = outcomes.filter((o) => o.status === 'booked');
    assert.equal(winners.length, 1);
    assert.equal(outcomes.filter((o) => o.status === 'slot_taken').length, 19);
    const rows = await rowsFor(SLOT);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, 'BOOKED');
    assert.equal(winners[0].status === 'booked' && winners[0].appointment.confirmationNumber, rows[0].confirmation_number);
  });

  test('the database itself refuses a second booked row for a slot', async () => {
    await book(appointment('first'));
    await assert.rejects(
      pg.query(`INSERT INTO appointments (confirmation_number, customer_name, slot_date, slot_time, starts_at, status, booking_key)
                VALUES ('APT-00001', 'X', $1, $2, now(), 'BOOKED', 'sneaky')`, [SLOT.date, SLOT.time]),
      (err: { code?: string; constraint?: string }) => err.code === '23505' && err.constraint === 'appointments_booked_slot_key',
    );
  });

  test('the same booking key again returns the same appointment and writes no second row', async () => {
    const first = await book(appointment('call-7:tool-3'));
    const again = await book(appointment('call-7:tool-3'));
    assert.equal(first.status, 'booked');
    assert.equal(again.status, 'booked');
    assert.ok(first.status === 'booked' && again.status === 'booked');
    assert.equal(first.created, true);
    assert.equal(again.created, false);
    assert.equal(again.appointment.confirmationNumber, first.appointment.confirmationNumber);
    assert.deepEqual(again.appointment, first.appointment);
    // Concurrent retries of one tool call (a worker died mid-activity) land once as well.
    const retries = await Promise.all(Array.from({ length: 5 }, () => book(appointment('call-8:tool-1', { date: SLOT.date, time: '11:00' }))));
    const numbersSeen = new Set(retries.map((r) => (r.status === 'booked' ? r.appointment.confirmationNumber : r.status)));
    assert.equal(numbersSeen.size, 1);
    assert.match([...numbersSeen][0], /^APT-\d{5}$/);
    assert.equal((await rowsFor({ date: SLOT.date, time: '11:00' })).length, 1);
    assert.equal((await pg.query('SELECT count(*)::int AS n FROM appointments')).rows[0].n, 2);
  });

  test('a booked appointment reads back as written', async () => {
    const outcome = await book(appointment('call-9:tool-1', SLOT, 'Ravi Kumar'), numbers('APT-04217'));
    assert.equal(outcome.status, 'booked');
    assert.ok(outcome.status === 'booked');
    const { appointment: booked } = outcome;
    assert.deepEqual(
      { ...booked, createdAt: undefined },
      {
        confirmationNumber: 'APT-04217', customerName: 'Ravi Kumar', date: '2031-03-03', time: '10:30', status: 'BOOKED',
        startsAt: new Date('2031-03-03T05:00:00Z'), callId: 'inbound-twilio-CA1', callerPhoneMasked: '+91******210', cancelledAt: null, createdAt: undefined,
      },
    );
    assert.ok(Date.now() - booked.createdAt.getTime() < 60_000);
  });

  test('a cancelled slot can be booked again', async () => {
    const first = await book(appointment('call-1:tool-1'));
    assert.ok(first.status === 'booked');
    assert.equal((await book(appointment('call-2:tool-1'))).status, 'slot_taken');
    assert.equal((await cancel(first.appointment.confirmationNumber, 'call-1:tool-2')).status, 'cancelled');
    const second = await book(appointment('call-3:tool-1'));
    assert.equal(second.status, 'booked');
    assert.ok(second.status === 'booked');
    assert.notEqual(second.appointment.confirmationNumber, first.appointment.confirmationNumber);
    const statuses = (await rowsFor(SLOT)).map((r) => `${r.booking_key}=${r.status}`).sort();
    assert.deepEqual(statuses, ['call-1:tool-1=CANCELLED', 'call-3:tool-1=BOOKED']);
  });

  test('a confirmation number already held is drawn again', async () => {
    await book(appointment('holder', { date: SLOT.date, time: '09:00' }), numbers('APT-11111'));
    const draws = numbers('APT-11111', 'APT-11111', 'APT-22222');
    const outcome = await book(appointment('newcomer'), draws);
    assert.equal(outcome.status, 'booked');
    assert.equal(outcome.status === 'booked' && outcome.appointment.confirmationNumber, 'APT-22222');
    assert.equal(draws.draws, 3);
  });

  test('a number source that only repeats gives up after a bounded number of draws and books nothing', async () => {
    await book(appointment('holder', { date: SLOT.date, time: '09:00' }), numbers('APT-11111'));
    const stuck = numbers('APT-11111');
    await assert.rejects(book(appointment('unlucky'), stuck), /no free confirmation number after 5 draws/);
    assert.equal(stuck.draws, 5);
    assert.equal((await rowsFor(SLOT)).length, 0);
  });

  test('cancelling is idempotent by cancel key; another key hears already_cancelled', async () => {
    const booked = await book(appointment('call-4:tool-1'), numbers('APT-55555'));
    assert.ok(booked.status === 'booked');
    const first = await cancel('APT-55555', 'call-4:tool-2');
    assert.equal(first.status, 'cancelled');
    assert.equal(first.appointment.status, 'CANCELLED');
    const retried = await cancel('APT-55555', 'call-4:tool-2');
    assert.equal(retried.status, 'cancelled');
    assert.deepEqual(retried.appointment, first.appointment);
    assert.equal((await cancel('APT-55555', 'api:delete')).status, 'already_cancelled');
    assert.deepEqual(await cancel('APT-99999', 'call-4:tool-3'), { status: 'not_found' });
    const row = (await pg.query("SELECT cancel_key, cancelled_at FROM appointments WHERE confirmation_number = 'APT-55555'")).rows[0];
    assert.equal(row.cancel_key, 'call-4:tool-2', 'the later key did not overwrite the cancellation');
    assert.ok(row.cancelled_at instanceof Date);
  });

  test('a day lists booked and cancelled appointments in slot order; booked times ignore cancelled ones', async () => {
    const late = await book(appointment('a', { date: SLOT.date, time: '16:00' }));
    await book(appointment('b', { date: SLOT.date, time: '09:00' }));
    await book(appointment('c', { date: '2031-03-04', time: '09:00' }));
    await book(appointment('d', { date: '2031-03-06', time: '09:30' }));
    assert.ok(late.status === 'booked');
    await cancel(late.appointment.confirmationNumber, 'x');
    assert.deepEqual((await listForDate(SLOT.date)).map((a) => `${a.time} ${a.status}`), ['09:00 BOOKED', '16:00 CANCELLED']);
    assert.deepEqual((await listForDate(SLOT.date, 'CANCELLED')).map((a) => a.time), ['16:00']);
    assert.deepEqual(await listForDate('2031-03-05'), []);
    const booked = await bookedTimes(SLOT.date, '2031-03-05');
    assert.deepEqual([...booked.entries()].map(([d, t]) => [d, [...t]]), [[SLOT.date, ['09:00']], ['2031-03-04', ['09:00']]]);
  });
});
