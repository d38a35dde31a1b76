// The receptionist's tools: what the model is told it may call (JSON Schema, sent by the
// gateway in session.update), how its arguments are checked, and what each one runs. Every
// tool runs as an activity of the call's workflow, once per tool call id.
import { proxyActivities } from '@temporalio/workflow';
import { z } from 'zod';
import type * as appointments from '../activities/appointments';
import { normalizeConfirmation } from '../appointments/confirmation';
import { type AgentTool, tool } from './engine/agent-desk';

/** How the model sees the tools (OpenAI function tools). */
export const APPOINTMENT_TOOL_DEFINITIONS = [
  {
    type: 'function',
    name: 'list_available_slots',
    description: 'Lists the free appointment times on a date. Call it before offering times.',
    parameters: {
      type: 'object',
      properties: { date: { type: 'string', description: 'The date, YYYY-MM-DD, in the clinic time zone.' } },
      required: ['date'],
    },
  },
  {
    type: 'function',
    name: 'create_appointment',
    description: 'Books a free slot for the caller. Read the confirmation number back to the caller.',
    parameters: {
      type: 'object',
      properties: {
        customer_name: { type: 'string', description: "The caller's name as they gave it." },
        date: { type: 'string', description: 'YYYY-MM-DD' },
        time: { type: 'string', description: 'HH:MM, 24-hour clinic time, one of the listed slots.' },
      },
      required: ['customer_name', 'date', 'time'],
    },
  },
  {
    type: 'function',
    name: 'find_appointment',
    description: 'Looks up an appointment by its confirmation number (APT- and five digits).',
    parameters: {
      type: 'object',
      properties: { confirmation_number: { type: 'string', description: 'For example APT-12345.' } },
      required: ['confirmation_number'],
    },
  },
  {
    type: 'function',
    name: 'cancel_appointment',
    description: 'Cancels an appointment by its confirmation number, once the caller has confirmed they want it cancelled.',
    parameters: {
      type: 'object',
      properties: { confirmation_number: { type: 'string', description: 'For example APT-12345.' } },
      required: ['confirmation_number'],
    },
  },
  {
    type: 'function',
    name: 'transfer_to_human',
    description: 'The caller asks for a person, or you cannot help: a colleague will call them back. Say so, then the call ends.',
    parameters: {
      type: 'object',
      properties: { reason: { type: 'string', description: 'Why, in a few words.' } },
      required: ['reason'],
    },
  },
] as const;

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'date must be YYYY-MM-DD');
// Times and confirmation numbers are read as the domain reads them ("9:30", "apt 04217").
const time = z.string().regex(/^([01]?\d|2[0-3]):[0-5]\d$/, 'time must be HH:MM (24-hour)');
const confirmation = z.string().transform((text, ctx) => {
  const number = normalizeConfirmation(text);
  if (!number) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'confirmation_number must be APT- and five digits' });
  return number ?? z.NEVER;
});

const store = proxyActivities<typeof appointments>({
  // A caller is waiting on the line: seconds, not minutes; the activities are idempotent by key.
  startToCloseTimeout: '5s',
  scheduleToCloseTimeout: '20s',
  retry: { initialInterval: '300ms', maximumAttempts: 4 },
});

/** What the call remembers of its tools, for the outcome and Jupiter's report. */
export interface AppointmentLedger {
  booked: string[];
  cancelled: string[];
  transferReason?: string;
}

/** The tools, bound to one call: its id keys each booking, so a retried activity books once. */
export function appointmentTools(
  callId: string,
  callerPhoneMasked: string,
  ledger: AppointmentLedger,
  /** A warm handoff when the call has one (true: the caller is being connected to a person now). */
  handOff: (reason: string) => boolean = () => false,
): Record<string, AgentTool> {
  return {
    list_available_slots: tool(z.object({ date }), ({ date }) => store.listAvailableSlots({ date })),
    create_appointment: tool(z.object({ customer_name: z.string().trim().min(1).max(80), date, time }), async ({ customer_name, date, time }, toolCallId) => {
      const result = await store.createAppointment({ bookingKey: `${callId}:${toolCallId}`, callId, customerName: customer_name, date, time, callerPhoneMasked });
      if (result.status === 'booked') ledger.booked.push(result.appointment.confirmationNumber);
      if (result.status === 'slot_taken') return { ...result, message: 'That time was just booked by someone else. Tell the caller and offer these alternatives.' };
      return result;
    }),
    find_appointment: tool(z.object({ confirmation_number: confirmation }), ({ confirmation_number }) => store.findAppointment({ confirmationNumber: confirmation_number })),
    cancel_appointment: tool(z.object({ confirmation_number: confirmation }), async ({ confirmation_number }, toolCallId) => {
      const result = await store.cancelAppointment({ confirmationNumber: confirmation_number, cancelKey: `${callId}:${toolCallId}` });
      if (result.status === 'cancelled') ledger.cancelled.push(confirmation_number);
      return result;
    }),
    transfer_to_human: tool(
      z.object({ reason: z.string().trim().min(1).max(200) }),
      async ({ reason }) => {
        ledger.transferReason = reason;
        if (handOff(reason)) return { status: 'transferring', message: 'Tell the caller in one short sentence that you are connecting them to a colleague now.' };
        return { status: 'transfer_requested', message: 'Tell the caller a colleague will call them back shortly, then say goodbye.' };
      },
      { endsCall: true },
    ),
  } satisfies Record<(typeof APPOINTMENT_TOOL_DEFINITIONS)[number]['name'], AgentTool>;
}
