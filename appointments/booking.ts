// The receptionist's four tools: the clinic's hours decide what may be booked, the store books.
// Whatever the model can act on (a closed day, a taken slot, an unknown number) is an answer,
// never an exception; only an outage throws, and the activity is retried.
import { z } from 'zod';
import { logger, maskPhone } from '../lib/logger';
import { nearestFreeSlots, scanRange, slotText } from './alternatives';
import { bookableSlots, type ClinicHours, type SlotProblem, slotProblem, slotStartsAt } from './clinic';
import { normalizeConfirmation } from './confirmation';
import { book, bookedTimes, cancel, findByBookingKey, findByConfirmation } from './store';
import { type AppointmentView, type Slot, viewOf } from './types';

/** The clinic and the moment a tool runs at; tests fix both (and the confirmation numbers). */
export interface BookingContext {
  hours: ClinicHours;
  now: Date;
  drawNumber?: () => string;
}

export type SlotsAnswer = { date: string; slots: string[] } | { error: string; reason: string };
export type BookingAnswer =
  | { status: 'booked'; appointment: AppointmentView }
  | { status: 'slot_taken'; alternatives: string[] }
  | { status: 'invalid'; reason: string };
export type LookupAnswer = { found: true; appointment: AppointmentView } | { found: false };
export type CancelAnswer = { status: 'cancelled' | 'already_cancelled' | 'not_found'; appointment?: AppointmentView };

/** A model may say 9:00 for 09:00. */
const clockTime = z.string().trim().transform((t) => (/^\d:\d\d$/.test(t) ? `0${t}` : t));

const SlotsRequest = z.object({ date: z.string().trim() });
const BookingRequest = z.object({
  bookingKey: z.string().min(1).max(200),
  callId: z.string().min(1).max(200),
  customerName: z.string().trim().min(1).max(100),
  date: z.string().trim(),
  time: clockTime,
  callerPhoneMasked: z.string().max(40).optional(),
});

/** A sentence the model can pass on; `reason` carries the code. */
function problemText(problem: SlotProblem, hours: ClinicHours): string {
  switch (problem) {
    case 'invalid_date': return 'The date must be a real calendar date written YYYY-MM-DD.';
    case 'invalid_time': return 'The time must be written HH:MM (24-hour clinic time).';
    case 'past': return 'That date has already passed.';
    case 'too_far': return `Appointments can be booked at most ${hours.bookingDaysAhead} days ahead.`;
    case 'closed_day': return 'The clinic is closed on that day.';
    case 'not_a_slot': return 'That time is not one of the clinic\'s appointment slots.';
  }
}

export async function availableSlots(context: BookingContext, input: unknown): Promise<SlotsAnswer> {
  const request = SlotsRequest.safeParse(input);
  const date = request.success ? request.data.date : '';
  const open = bookableSlots(context.hours, date, context.now);
  if ('problem' in open) return { error: problemText(open.problem, context.hours), reason: open.problem };
  const taken = (await bookedTimes(date, date)).get(date);
  return { date, slots: open.slots.filter((time) => !taken?.has(time)) };
}

export async function bookAppointment(context: BookingContext, input: unknown): Promise<BookingAnswer> {
  const parsed = BookingRequest.safeParse(input);
  if (!parsed.success) return { status: 'invalid', reason: invalidReason(parsed.error) };
  const request = parsed.data;
  // A retried tool call (the worker died after its insert) finds its own booking before any
  // check: by now the slot may have begun, and its own row must not read as a clash.
  const earlier = await findByBookingKey(request.bookingKey);
  if (earlier) return { status: 'booked', appointment: viewOf(earlier) };

  const slot: Slot = { date: request.date, time: request.time };
  const problem = slotProblem(context.hours, slot, context.now);
  if (problem) return { status: 'invalid', reason: problem };
  const outcome = await book({
    bookingKey: request.bookingKey,
    callId: request.callId,
    customerName: request.customerName,
    slot,
    startsAt: slotStartsAt(context.hours, slot),
    // Masked again here: a full number handed in by mistake is never stored (masking is idempotent).
    callerPhoneMasked: request.callerPhoneMasked ? maskPhone(request.callerPhoneMasked) : undefined,
  }, context.drawNumber);
  if (outcome.status === 'booked') {
    logger.info({ callId: request.callId, confirmationNumber: outcome.appointment.confirmationNumber, ...slot }, 'appointment booked');
    return { status: 'booked', appointment: viewOf(outcome.appointment) };
  }
  const range = scanRange(slot);
  const alternatives = nearestFreeSlots(context.hours, slot, await bookedTimes(range.from, range.to), context.now);
  logger.info({ callId: request.callId, ...slot, alternatives: alternatives.length }, 'appointment slot taken');
  return { status: 'slot_taken', alternatives: alternatives.map(slotText) };
}

export async function lookUpAppointment(confirmation: string): Promise<LookupAnswer> {
  const confirmationNumber = normalizeConfirmation(String(confirmation ?? ''));
  const appointment = confirmationNumber && (await findByConfirmation(confirmationNumber));
  return appointment ? { found: true, appointment: viewOf(appointment) } : { found: false };
}

/** Cancels by confirmation number; cancelKey is the idempotency key of the cancelling call. */
export async function cancelBooking(confirmation: string, cancelKey: string): Promise<CancelAnswer> {
  const confirmationNumber = normalizeConfirmation(String(confirmation ?? ''));
  if (!confirmationNumber) return { status: 'not_found' };
  const outcome = await cancel(confirmationNumber, cancelKey);
  if (outcome.status === 'not_found') return outcome;
  if (outcome.status === 'cancelled') logger.info({ confirmationNumber }, 'appointment cancelled');
  return { status: outcome.status, appointment: viewOf(outcome.appointment) };
}

/** Which field let the request down, as a reason code. */
function invalidReason(error: z.ZodError): string {
  const field = error.issues[0]?.path[0];
  if (field === 'customerName') return 'invalid_name';
  if (field === 'date') return 'invalid_date';
  if (field === 'time') return 'invalid_time';
  return 'invalid_request';
}
