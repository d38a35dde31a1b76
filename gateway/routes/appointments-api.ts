// The clinic's appointments for Jupiter and ops: a day's list, one appointment, and cancelling
// one. DELETE is idempotent: a second one answers 200 with the appointment, already CANCELLED.
import { Router } from 'express';
import { z } from 'zod';
import { isCalendarDate } from '../../appointments/zoned-time';
import { cancel, findByConfirmation, listForDate } from '../../appointments/store';
import type { AppointmentRecord } from '../../appointments/types';
import type { Config } from '../../lib/config';
import { HttpError } from '../../lib/http-error';
import { maskPhone } from '../../lib/logger';
import { requireBearer } from '../require-bearer';

const DayQuery = z.object({
  date: z.string().refine(isCalendarDate, 'must be a date written YYYY-MM-DD'),
  status: z.enum(['BOOKED', 'CANCELLED']).optional(),
});
const ConfirmationNumber = z
  .string()
  .regex(/^APT-\d{5}$/i, 'must be a confirmation number such as APT-04217')
  .transform((n) => n.toUpperCase());
/** Optional: names who cancelled in the row's cancel_key (an ops ticket, Jupiter's request id). */
const IdempotencyKey = z.string().trim().min(1).max(200).optional();

function appointmentJson(a: AppointmentRecord) {
  return {
    confirmation_number: a.confirmationNumber,
    customer_name: a.customerName,
    date: a.date,
    time: a.time,
    status: a.status,
    starts_at: a.startsAt.toISOString(),
    call_id: a.callId,
    // Stored masked; masked again on the way out in case a row was written by hand.
    caller_phone_masked: a.callerPhoneMasked && maskPhone(a.callerPhoneMasked),
    created_at: a.createdAt.toISOString(),
    cancelled_at: a.cancelledAt?.toISOString() ?? null,
  };
}

export function appointmentsApi(config: Config): Router {
  const router = Router();
  router.use(requireBearer(config.NERVE_API_TOKEN));

  router.get('/', async (req, res) => {
    const { date, status } = DayQuery.parse(req.query);
    const appointments = await listForDate(date, status);
    res.json({ date, count: appointments.length, appointments: appointments.map(appointmentJson) });
  });

  router.get('/:confirmation', async (req, res) => {
    const confirmationNumber = ConfirmationNumber.parse(req.params.confirmation);
    const appointment = await findByConfirmation(confirmationNumber);
    if (!appointment) throw new HttpError(404, 'unknown_appointment', `no appointment ${confirmationNumber}`);
    res.json(appointmentJson(appointment));
  });

  router.delete('/:confirmation', async (req, res) => {
    const confirmationNumber = ConfirmationNumber.parse(req.params.confirmation);
    const key = IdempotencyKey.parse(req.get('idempotency-key'));
    const outcome = await cancel(confirmationNumber, `api:${key ?? 'delete'}`);
    if (outcome.status === 'not_found') throw new HttpError(404, 'unknown_appointment', `no appointment ${confirmationNumber}`);
    res.json(appointmentJson(outcome.appointment));
  });

  return router;
}
