// The appointments table. Booking is one INSERT that the database settles: the partial unique
// index on booked slots, the booking key and the confirmation number all make a clash a
// no-op (ON CONFLICT DO NOTHING), and a read afterwards says which one it was.
import { randomInt } from 'node:crypto';
import type { Appointment } from '../generated/prisma/client';
import { db } from '../lib/db';
import type { AppointmentRecord, AppointmentStatus, Slot } from './types';

/** A new confirmation number: short enough to read out ("A P T 4 2 0 1 7"), random so one caller cannot guess another's. */
export function randomConfirmationNumber(): string {
  return `APT-${String(randomInt(100_000)).padStart(5, '0')}`;
}

/** Draws of a confirmation number before giving up (each repeat is a 1 in 100,000 chance per row held). */
const MAX_NUMBER_DRAWS = 5;

export interface NewAppointment {
  /** The idempotency key of the tool call (or request) that books: a retry finds its own row. */
  bookingKey: string;
  callId: string | null;
  customerName: string;
  slot: Slot;
  startsAt: Date;
  callerPhoneMasked?: string;
}

export type BookOutcome =
  | { status: 'booked'; appointment: AppointmentRecord; created: boolean }
  | { status: 'slot_taken' };

/**
 * Books the slot, or finds the booking this key already made; slot_taken when someone else
 * holds it. Never reads the slot first: of concurrent bookers exactly one insert lands.
 */
export async function book(appointment: NewAppointment, drawNumber: () => string = randomConfirmationNumber): Promise<BookOutcome> {
  const { bookingKey, callId, customerName, slot, startsAt, callerPhoneMasked } = appointment;
  for (let draw = 1; draw <= MAX_NUMBER_DRAWS; draw++) {
    const inserted = await db().$queryRaw<{ id: bigint }[]>`
      INSERT INTO appointments (confirmation_number, customer_name, slot_date, slot_time, starts_at, status, call_id, booking_key, caller_phone_masked)
      VALUES (${drawNumber()}, ${customerName}, ${slot.date}::date, ${slot.time}, ${startsAt.toISOString()}::timestamptz, 'BOOKED',
              ${callId}, ${bookingKey}, ${callerPhoneMasked ?? null})
      ON CONFLICT DO NOTHING
      RETURNING id`;
    const own = await findByBookingKey(bookingKey);
    if (own) return { status: 'booked', appointment: own, created: inserted.length > 0 };
    if (await isBooked(slot)) return { status: 'slot_taken' };
    // Neither the key nor the slot clashed, so the confirmation number did (or the holder
    // cancelled in between): draw another number and try again.
  }
  throw new Error(`no free confirmation number after ${MAX_NUMBER_DRAWS} draws`);
}

export async function findByBookingKey(bookingKey: string): Promise<AppointmentRecord | undefined> {
  const row = await db().appointment.findUnique({ where: { bookingKey } });
  return row ? recordOf(row) : undefined;
}

export async function findByConfirmation(confirmationNumber: string): Promise<AppointmentRecord | undefined> {
  const row = await db().appointment.findUnique({ where: { confirmationNumber } });
  return row ? recordOf(row) : undefined;
}

async function isBooked(slot: Slot): Promise<boolean> {
  return (await db().appointment.count({ where: { slotDate: dayValue(slot.date), slotTime: slot.time, status: 'BOOKED' } })) > 0;
}

/** The booked times of each date in [from, to], for offering free slots. */
export async function bookedTimes(from: string, to: string): Promise<Map<string, Set<string>>> {
  const rows = await db().appointment.findMany({
    where: { slotDate: { gte: dayValue(from), lte: dayValue(to) }, status: 'BOOKED' },
    select: { slotDate: true, slotTime: true },
  });
  const booked = new Map<string, Set<string>>();
  for (const row of rows) {
    const date = dateOf(row.slotDate);
    booked.set(date, (booked.get(date) ?? new Set()).add(row.slotTime));
  }
  return booked;
}

/** A day's appointments in slot order, cancelled ones too unless a status is given. */
export async function listForDate(date: string, status?: AppointmentStatus): Promise<AppointmentRecord[]> {
  const rows = await db().appointment.findMany({
    where: { slotDate: dayValue(date), ...(status ? { status } : {}) },
    orderBy: [{ slotTime: 'asc' }, { createdAt: 'asc' }],
  });
  return rows.map(recordOf);
}

export type CancelOutcome = { status: 'cancelled' | 'already_cancelled'; appointment: AppointmentRecord } | { status: 'not_found' };

/**
 * Cancels a booked appointment. The same cancel key again answers 'cancelled' (a retried tool
 * call sees its own cancellation); another key on a cancelled one answers 'already_cancelled'.
 */
export async function cancel(confirmationNumber: string, cancelKey: string): Promise<CancelOutcome> {
  // Conditional on BOOKED: of two concurrent cancellations only one changes the row.
  const { count } = await db().appointment.updateMany({
    where: { confirmationNumber, status: 'BOOKED' },
    data: { status: 'CANCELLED', cancelledAt: new Date(), cancelKey },
  });
  const row = await db().appointment.findUnique({ where: { confirmationNumber } });
  if (!row) return { status: 'not_found' };
  const mine = count === 1 || row.cancelKey === cancelKey;
  return { status: mine ? 'cancelled' : 'already_cancelled', appointment: recordOf(row) };
}

/** A DATE column's value for a calendar date (Prisma carries it as UTC midnight). */
const dayValue = (date: string) => new Date(`${date}T00:00:00Z`);
const dateOf = (day: Date) => day.toISOString().slice(0, 10);

function recordOf(row: Appointment): AppointmentRecord {
  return {
    confirmationNumber: row.confirmationNumber,
    customerName: row.customerName,
    date: dateOf(row.slotDate),
    time: row.slotTime,
    status: row.status as AppointmentStatus,
    startsAt: row.startsAt,
    callId: row.callId,
    callerPhoneMasked: row.callerPhoneMasked,
    createdAt: row.createdAt,
    cancelledAt: row.cancelledAt,
  };
}
