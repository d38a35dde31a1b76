// The appointment activities as the calls worker registers them: the configured clinic and the
// real clock behind the contract the receptionist's workflow codes against.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { bookableSlots, clinicHours } from '../appointments/clinic';
import { addDays } from '../appointments/zoned-time';
import { loadConfig } from '../lib/config';
import { useAppointmentsDb } from '../test/support/appointments-db';
import * as activities from './index';

useAppointmentsDb();

/** The first slot of the next open day after today, by the configured clinic and the clock. */
function nextOpenSlot() {
  const hours = clinicHours(loadConfig());
  for (let day = 1; ; day++) {
    const date = addDays(new Date().toISOString().slice(0, 10), day);
    const open = bookableSlots(hours, date, new Date());
    if ('slots' in open && open.slots.length) return { date, time: open.slots[0] };
  }
}

describe('appointment activities', () => {
  test('the calls worker registers all four', () => {
    for (const name of ['listAvailableSlots', 'createAppointment', 'findAppointment', 'cancelAppointment'] as const) {
      assert.equal(typeof activities[name], 'function', name);
    }
  });

  test('book, find, cancel through the contract', async () => {
    const slot = nextOpenSlot();
    const listed = await activities.listAvailableSlots({ date: slot.date });
    assert.ok('slots' in listed && listed.slots[0] === slot.time);
    const input = { bookingKey: 'inbound-twilio-CA9:tool-1', callId: 'inbound-twilio-CA9', customerName: 'Meera', ...slot };
    const booked = await activities.createAppointment(input);
    assert.ok(booked.status === 'booked');
    assert.deepEqual(await activities.createAppointment(input), booked, 'a retried activity answers the same');
    const { confirmationNumber } = booked.appointment;
    assert.deepEqual(await activities.findAppointment({ confirmationNumber }), { found: true, appointment: booked.appointment });
    const cancelled = await activities.cancelAppointment({ confirmationNumber, cancelKey: 'inbound-twilio-CA9:tool-2' });
    assert.deepEqual(cancelled, { status: 'cancelled', appointment: { ...booked.appointment, status: 'CANCELLED' } });
  });

  test('a past date is an answer; a missing cancel key is a bug that is not retried', async () => {
    assert.deepEqual(await activities.listAvailableSlots({ date: '2020-01-01' }), { error: 'That date has already passed.', reason: 'past' });
    await assert.rejects(
      activities.cancelAppointment({ confirmationNumber: 'APT-12345', cancelKey: '' }),
      (err: unknown) => err instanceof ApplicationFailure && err.nonRetryable && err.type === 'InvalidToolInput',
    );
  });
});
