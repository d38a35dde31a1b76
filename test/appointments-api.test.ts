// End-to-end: the appointments API on the real gateway and PostgreSQL (auth, validation, a day's
// list, one appointment, idempotent cancelling). Appointments are booked through the store, as
// the receptionist's activity would.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { book } from '../appointments/store';
import { useHarness } from './harness';

const { h, db } = useHarness();
const DAY = '2031-03-03';
const BASE = '/api/nerve/appointments';

async function seed(number: string, time: string, date = DAY) {
  const outcome = await book(
    {
      bookingKey: `inbound-twilio-CA${number}:tool-1`, callId: `inbound-twilio-CA${number}`, customerName: `Patient ${number}`,
      slot: { date, time }, startsAt: new Date(`${date}T${time}:00+05:30`), callerPhoneMasked: '+91*******678',
    },
    () => number,
  );
  assert.equal(outcome.status, 'booked');
}

describe('appointments API', () => {
  // Inside the suite: the file's own before (the harness) has finished by then.
  before(async () => {
    await db.pg.query('TRUNCATE appointments');
    await seed('APT-30001', '14:00');
    await seed('APT-30002', '09:30');
    await seed('APT-30003', '11:00');
    await seed('APT-30004', '09:30', '2031-03-04');
    // One written by hand with a full number: the API must still only ever show it masked.
    await db.pg.query(`UPDATE appointments SET caller_phone_masked = '+919812345678' WHERE confirmation_number = 'APT-30003'`);
    await db.pg.query(`UPDATE appointments SET status = 'CANCELLED', cancelled_at = now(), cancel_key = 'ops' WHERE confirmation_number = 'APT-30001'`);
  });

  test('every route wants the bearer token', async () => {
    for (const [method, route] of [['GET', `${BASE}?date=${DAY}`], ['GET', `${BASE}/APT-30002`], ['DELETE', `${BASE}/APT-30002`]]) {
      const missing = await h.api(method, route, undefined, null);
      assert.equal(missing.status, 401, `${method} ${route}`);
      assert.equal(missing.body.error, 'unauthorized');
      assert.equal((await h.api(method, route, undefined, 'wrong-token')).status, 401);
    }
    assert.equal((await h.api('GET', `${BASE}/APT-30002`)).body.status, 'BOOKED', 'the unauthorized DELETE changed nothing');
    assert.equal((await h.api('GET', '/api/nerve/active-calls', undefined, null)).status, 401, 'the calls API still checks it too');
  });

  test('bad input is a 400 with the field named', async () => {
    for (const query of ['?date=2031-02-30', '?date=tomorrow', '', `?date=${DAY}&status=MAYBE`, `?date=${DAY}&date=2031-03-04`]) {
      const answer = await h.api('GET', `${BASE}${query}`);
      assert.equal(answer.status, 400, query);
      assert.equal(answer.body.error, 'invalid_request');
    }
    assert.equal((await h.api('GET', `${BASE}?date=tomorrow`)).body.issues[0].path, 'date');
    assert.equal((await h.api('GET', `${BASE}/12345`)).status, 400);
    assert.equal((await h.api('DELETE', `${BASE}/APT-1`)).status, 400);
  });

  test("a day's appointments in slot order, booked and cancelled, filtered by status on request", async () => {
    const day = await h.api('GET', `${BASE}?date=${DAY}`);
    assert.equal(day.status, 200);
    assert.equal(day.body.date, DAY);
    assert.equal(day.body.count, 3);
    assert.deepEqual(day.body.appointments.map((a: any) => `${a.time} ${a.confirmation_number} ${a.status}`), [
      '09:30 APT-30002 BOOKED', '11:00 APT-30003 BOOKED', '14:00 APT-30001 CANCELLED',
    ]);
    assert.doesNotMatch(JSON.stringify(day.body), /\d{7}/, 'no full phone number in the answer');
    assert.equal(day.body.appointments[1].caller_phone_masked, '+91*******678');
    const booked = await h.api('GET', `${BASE}?date=${DAY}&status=BOOKED`);
    assert.deepEqual(booked.body.appointments.map((a: any) => a.confirmation_number), ['APT-30002', 'APT-30003']);
    assert.deepEqual((await h.api('GET', `${BASE}?date=2031-03-05`)).body, { date: '2031-03-05', count: 0, appointments: [] });
  });

  test('one appointment by its confirmation number; an unknown one is a 404', async () => {
    const one = await h.api('GET', `${BASE}/apt-30002`);
    assert.equal(one.status, 200);
    assert.deepEqual({ ...one.body, created_at: undefined }, {
      confirmation_number: 'APT-30002', customer_name: 'Patient APT-30002', date: DAY, time: '09:30', status: 'BOOKED',
      starts_at: '2031-03-03T04:00:00.000Z', call_id: 'inbound-twilio-CAAPT-30002', caller_phone_masked: '+91*******678',
      created_at: undefined, cancelled_at: null,
    });
    const unknown = await h.api('GET', `${BASE}/APT-99999`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'unknown_appointment');
  });

  test('DELETE cancels; a second DELETE answers the same cancelled appointment; unknown is a 404', async () => {
    const first = await h.api('DELETE', `${BASE}/APT-30002`);
    assert.equal(first.status, 200);
    assert.equal(first.body.status, 'CANCELLED');
    assert.ok(Date.parse(first.body.cancelled_at));
    const second = await h.api('DELETE', `${BASE}/APT-30002`);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body);
    const row = (await db.pg.query("SELECT status, cancel_key FROM appointments WHERE confirmation_number = 'APT-30002'")).rows[0];
    assert.deepEqual(row, { status: 'CANCELLED', cancel_key: 'api:delete' });
    const unknown = await h.api('DELETE', `${BASE}/APT-99999`);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'unknown_appointment');
    // The slot is free again.
    await seed('APT-30005', '09:30');
    const day = await h.api('GET', `${BASE}?date=${DAY}&status=BOOKED`);
    assert.deepEqual(day.body.appointments.map((a: any) => a.confirmation_number), ['APT-30005', 'APT-30003']);
  });
});
