// The appointment tools the receptionist's workflow runs, once per tool call. Thin: the clinic's
// hours from configuration and the clock, then appointments/booking. Answers the model can act on
// come back as data; a database outage throws and Temporal retries (booking and cancelling are
// idempotent by their keys, so a retry never books or cancels twice).
import { ApplicationFailure } from '@temporalio/common';
import { availableSlots, bookAppointment, type BookingContext, cancelBooking, lookUpAppointment } from '../appointments/booking';
import { clinicHours } from '../appointments/clinic';
import type { AppointmentView } from '../appointments/types';
import { loadConfig } from '../lib/config';

export type { AppointmentView, Slot } from '../appointments/types';

const context = (): BookingContext => ({ hours: clinicHours(loadConfig()), now: new Date() });

/** The free slots of a date ('YYYY-MM-DD', clinic time); today only those still ahead. */
export async function listAvailableSlots(input: { date: string }): Promise<{ date: string; slots: string[] } | { error: string; reason: string }> {
  return availableSlots(context(), input);
}

/**
 * Books a slot for the caller. Idempotent by bookingKey (`<callId>:<toolCallId>`): a retry
 * answers with the booking it made. slot_taken carries up to three alternatives as
 * 'YYYY-MM-DD HH:MM' (the same day first, then the next open days).
 */
export async function createAppointment(input: { bookingKey: string; callId: string; customerName: string; date: string; time: string; callerPhoneMasked?: string }):
  Promise<{ status: 'booked'; appointment: AppointmentView } | { status: 'slot_taken'; alternatives: string[] } | { status: 'invalid'; reason: string }> {
  return bookAppointment(context(), input);
}

/** Finds an appointment by its confirmation number ('APT-04217'; 'apt 04217' is understood too). */
export async function findAppointment(input: { confirmationNumber: string }): Promise<{ found: true; appointment: AppointmentView } | { found: false }> {
  return lookUpAppointment(input.confirmationNumber);
}

/** Cancels an appointment. Idempotent by cancelKey: the same key again answers 'cancelled'. */
export async function cancelAppointment(input: { confirmationNumber: string; cancelKey: string }): Promise<{ status: 'cancelled' | 'already_cancelled' | 'not_found'; appointment?: AppointmentView }> {
  // Without a key a retry could not tell its own cancellation from someone else's: a bug in the caller, not worth retrying.
  if (typeof input.cancelKey !== 'string' || !input.cancelKey || input.cancelKey.length > 200) {
    throw ApplicationFailure.nonRetryable('cancelAppointment needs a cancelKey of 1-200 characters', 'InvalidToolInput');
  }
  return cancelBooking(input.confirmationNumber, input.cancelKey);
}
