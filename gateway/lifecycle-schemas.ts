// The lifecycle API's requests (POST /calls, /calls/:id/...), validated at the edge.
import { z } from 'zod';

const id = z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 letters, digits or _ . : -');
const reason = z.string().trim().min(1).max(200);
const label = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, 'must be lowercase letters, digits, _ or -, starting with a letter');

/** Small JSON objects only: metadata and event data ride in workflow payloads. */
const smallObject = z.record(z.unknown()).refine((value) => JSON.stringify(value).length <= 8192, 'must be at most 8 KB of JSON');

export const RegisterCallSchema = z.object({
  /** Who drives the call: e.g. "livekit", "pipecat", a vendor's name. */
  source: label,
  call_type: label.default('registered'),
  metadata: smallObject.default({}),
  /** The room the outside stack runs the audio in; one is named for it when absent. */
  room_name: id.optional(),
});

export const EndCallSchema = z.object({ reason });

export const TurnSchema = z.object({
  turn_id: id.optional(),
  speaker: z.enum(['caller', 'bot', 'agent']),
  text: z.string().trim().min(1).max(4000),
  confidence: z.number().min(0).max(1),
  /** hi, en, hinglish, ta, ... */
  language: z.string().regex(/^[a-z]{2,12}(-[A-Za-z0-9]{2,8})?$/, 'a language code such as hi, en or hinglish'),
  started_at: z.string().datetime({ offset: true }).optional(),
});

export const EventSchema = z.object({
  event_id: id.optional(),
  /** intent_detected, entity_captured, sentiment, escalation_requested, misunderstanding, tool_used, ... */
  type: z.string().regex(/^[a-z][a-z0-9_.]{0,63}$/, 'snake_case event type'),
  data: smallObject.default({}),
});

export const HandoffRequestSchema = z.object({ reason, requested_by: z.string().trim().min(1).max(64) });

export const DispositionSchema = z.object({
  outcome: z.string().trim().min(1).max(64),
  notes: z.string().trim().max(2000).optional(),
  agent_id: id.optional(),
});

/** The Idempotency-Key header: a repeat with the same key gets the first answer. */
export const IdempotencyKeySchema = id.optional();

export const AnalyticsQuerySchema = z
  .object({
    from: z.string().datetime({ offset: true }).optional(),
    to: z.string().datetime({ offset: true }).optional(),
    call_type: label.optional(),
  })
  .transform((q) => {
    const to = q.to ? new Date(q.to) : new Date();
    const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 24 * 3600 * 1000);
    return { from, to, callType: q.call_type };
  })
  .refine((q) => q.from < q.to, 'from must be before to')
  .refine((q) => q.to.getTime() - q.from.getTime() <= 366 * 24 * 3600 * 1000, 'the window is at most a year');
