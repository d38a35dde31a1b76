// What the dashboard reads about calls: the live ones, the history with filters and paging, and
// one call with its transcript. Rows come from PostgreSQL (the journal's copy), who is speaking
// from the media session's state in Redis; numbers leave here masked.
import { z } from 'zod';
import type { Cache } from '../../lib/cache';
import { db } from '../../lib/db';
import { sessionKey } from '../../lib/keys';
import { type CallSummary, LifecycleStateSchema } from '../../lib/call-events';
import { directionOf, lifecycleSummary, shownPhone, transitionsOf } from '../../lib/call-feed';
import { speakingOf } from './speaking';
import { addDays, instantOf, isCalendarDate } from '../../appointments/zoned-time';

type CallRow = Awaited<ReturnType<ReturnType<typeof db>['call']['findFirstOrThrow']>>;

export type CallView = CallSummary & { created_at: string; updated_at: string };

export function callView(row: CallRow): CallView {
  return {
    call_id: row.id,
    call_type: row.callType,
    provider: row.provider,
    direction: directionOf(row.id, row.provider),
    status: row.status,
    outcome: row.outcome,
    business_key: row.businessKey,
    phone_masked: shownPhone(row.calleePhone),
    attempts: row.attempts,
    answered_at: row.answeredAt?.toISOString() ?? null,
    ended_at: row.endedAt?.toISOString() ?? null,
    ...lifecycleSummary({ ...row, state: row.lifecycle, handoffAt: row.handoffAt?.toISOString() }),
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

/** A call not written for this long is not shown as live (its worker is gone; Temporal has the truth). */
const LIVE_WINDOW_MS = 2 * 3600_000;
const MAX_LIVE = 200;

export async function activeCalls(cache: Cache) {
  const rows = await db().call.findMany({
    where: { status: { not: 'COMPLETED' }, updatedAt: { gte: new Date(Date.now() - LIVE_WINDOW_MS) } },
    orderBy: { createdAt: 'desc' },
    take: MAX_LIVE,
  });
  const sessions = await Promise.all(rows.map((r) => cache.get(sessionKey(r.id)).catch(() => null)));
  return rows.map((row, i) => ({ ...callView(row), speaking: speakingOf(sessions[i] ? JSON.parse(sessions[i]!) : undefined) ?? null }));
}

/** A day ("2026-11-21", in the dashboard's time zone) or an instant (ISO 8601 with its offset). */
const DateParam = z.string().max(40).refine((s) => (DAY.test(s) ? isCalendarDate(s) : !Number.isNaN(Date.parse(s))), 'not a date or an ISO 8601 instant');
const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Where a filter's date range starts and ends; `to` is inclusive, so a bare day runs to its end. */
export function dateRange(from: string | undefined, to: string | undefined, timeZone: string): { gte?: Date; lt?: Date } {
  const start = (s: string) => (DAY.test(s) ? instantOf(s, 0, timeZone) : new Date(s));
  const end = (s: string) => (DAY.test(s) ? instantOf(addDays(s, 1), 0, timeZone) : new Date(Date.parse(s) + 1));
  return { ...(from ? { gte: start(from) } : {}), ...(to ? { lt: end(to) } : {}) };
}

export const HistoryQuery = z.object({
  type: z.string().max(64).optional(),
  outcome: z.string().max(32).optional(),
  /** Where the call is in its lifecycle (CREATED, ACTIVE, HANDED_OFF, ENDED). */
  state: LifecycleStateSchema.optional(),
  /** Only calls that were handed off to a person ("true"), whatever their state now. */
  handed_off: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  /** Who registered the call: "nerve" (our own) or an outside stack's name. */
  source: z.string().trim().max(40).optional(),
  /** The order, lead or questionnaire key (business key), or a call id. */
  key: z.string().trim().max(200).optional(),
  from: DateParam.optional(),
  to: DateParam.optional(),
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  page_size: z.coerce.number().int().min(1).max(100).default(25),
}).strict();
export type HistoryFilter = z.infer<typeof HistoryQuery>;

export async function callHistory(filter: HistoryFilter, timeZone: string) {
  const where = {
    ...(filter.type ? { callType: filter.type } : {}),
    ...(filter.outcome ? { outcome: filter.outcome } : {}),
    ...(filter.state ? { lifecycle: filter.state } : {}),
    ...(filter.handed_off === undefined ? {} : { handoffAt: filter.handed_off ? { not: null } : null }),
    ...(filter.source ? { source: filter.source } : {}),
    ...(filter.key ? { OR: [{ businessKey: filter.key }, { id: filter.key }] } : {}),
    ...(filter.from || filter.to ? { createdAt: dateRange(filter.from, filter.to, timeZone) } : {}),
  };
  const [total, rows] = await Promise.all([
    db().call.count({ where }),
    db().call.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'asc' }], skip: (filter.page - 1) * filter.page_size, take: filter.page_size }),
  ]);
  return { page: filter.page, page_size: filter.page_size, total, pages: Math.max(1, Math.ceil(total / filter.page_size)), calls: rows.map(callView) };
}

const MAX_TRANSCRIPT_LINES = 2000;

export async function callWithTranscript(callId: string) {
  const row = await db().call.findUnique({ where: { id: callId } });
  if (!row) return undefined;
  const [lines, audit] = await Promise.all([
    db().transcriptEntry.findMany({ where: { callId }, orderBy: [{ spokenAt: 'asc' }, { id: 'asc' }], take: MAX_TRANSCRIPT_LINES }),
    db().callEvent.findMany({ where: { callId, kind: 'lifecycle' }, orderBy: { id: 'asc' }, take: 20 }),
  ]);
  return {
    call: callView(row),
    transitions: transitionsOf(audit.map((e) => ({ dedupeKey: e.dedupeKey, kind: e.kind, data: e.data as Record<string, unknown> }))),
    transcript: lines.map((l) => ({ line_id: l.dedupeKey, speaker: l.speaker, text: l.text, at: l.spokenAt.toISOString(), prompt_id: l.promptId })),
  };
}
