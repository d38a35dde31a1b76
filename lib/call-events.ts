// The live call feed the dashboard streams: the event types, and the log they travel through.
//
// A Redis Stream, not pub/sub: XADD gives every event an ordered id and keeps the last few
// thousand (MAXLEN ~), so any gateway instance can serve any call's events and a reconnecting
// browser resumes after its Last-Event-ID with XRANGE; pub/sub forgets what nobody heard.
// Publishing is best effort by design: a feed that is down must never fail a call, so
// publishCallEvent logs, counts and returns.
import Redis from 'ioredis';
import { z } from 'zod';
import { loadConfig } from './config';
import { CALL_EVENTS_STREAM } from './keys';
import { logger } from './logger';
import type { LifecycleState } from '../workflows/lifecycle-types';

/** The call lifecycle's states (workflows/engine/lifecycle.ts), as the feed carries them. */
export const LifecycleStateSchema = z.enum(['CREATED', 'ACTIVE', 'HANDED_OFF', 'ENDED']) satisfies z.ZodType<LifecycleState>;

/** One lifecycle transition from the journal's audit log; `key` is its journal entry, stable across retried saves. */
export const TransitionSchema = z.object({
  key: z.string(),
  from: LifecycleStateSchema,
  to: LifecycleStateSchema,
  actor: z.string(),
  reason: z.string().nullable(),
  at: z.string(),
});
export type TransitionView = z.infer<typeof TransitionSchema>;

/** The provider of a call registered from outside (its audio runs in another stack; CallRecord.provider). */
export const EXTERNAL_PROVIDER = 'external';

/** What a call looks like on the dashboard: ids, states and a masked number only. */
export const CallSummarySchema = z.object({
  call_id: z.string(),
  call_type: z.string(),
  provider: z.string(),
  /** Null for a call registered from outside: its own stack knows which way it went. */
  direction: z.enum(['inbound', 'outbound']).nullable(),
  /** The provider-level status (CallStatus: DIALING, IN_CALL, REPORTING, COMPLETED, ...). */
  status: z.string(),
  outcome: z.string().nullable(),
  business_key: z.string(),
  phone_masked: z.string(),
  attempts: z.number().int(),
  answered_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  /** The call's latest step from its journal ("digits", "utterance", "tool_call", ...). */
  step: z.string().nullable().optional(),
  // The lifecycle's copy (optional: events and rows from before the lifecycle have none).
  lifecycle: LifecycleStateSchema.nullable().optional(),
  /** Who registered the call: "nerve" for our own, the outside stack's name ("livekit", ...) otherwise. */
  source: z.string().nullable().optional(),
  room_name: z.string().nullable().optional(),
  handoff: z.object({ reason: z.string(), at: z.string().nullable() }).nullable().optional(),
  end_reason: z.string().nullable().optional(),
  /** The lifecycle transitions this save stored, oldest first (events from the journal's saves only). */
  transitions: z.array(TransitionSchema).optional(),
});
export type CallSummary = z.infer<typeof CallSummarySchema>;

/** Who holds the line right now, from the gateway's media session. */
export const SpeakingSchema = z.enum(['bot', 'caller', 'nobody']);

const CallUpdateSchema = CallSummarySchema.partial().extend({
  call_id: z.string(),
  speaking: SpeakingSchema.optional(),
  prompt: z.string().optional(),
});

export const TranscriptLineSchema = z.object({
  call_id: z.string(),
  /** Stable per line (the journal's key), so a line delivered twice is shown once. */
  line_id: z.string(),
  /** `agent`: the human agent, in the turns an outside stack posts for a handed-off call. */
  speaker: z.enum(['bot', 'caller', 'agent']),
  text: z.string(),
  at: z.string(),
  /** A bot line's prompt: matches the stored line of the same prompt (see the call page). */
  prompt_id: z.string().optional(),
});

/** A call passed to a person, the moment the journal stores it (the call_updated of the same save has the new state). */
export const HandoffNoticeSchema = z.object({
  call_id: z.string(),
  call_type: z.string(),
  reason: z.string(),
  actor: z.string(),
  at: z.string(),
  /** The transition's journal entry: a notice delivered twice (a retried save) is shown once. */
  key: z.string(),
});

const OutcomeCountSchema = z.record(z.string(), z.number().int());
export const WindowStatsSchema = z.object({
  calls: z.number().int(),
  ended: z.number().int(),
  outcomes: OutcomeCountSchema,
  success_rate: z.number().nullable(),
  average_duration_seconds: z.number().nullable(),
  handoff_rate: z.number().nullable(),
  /** Ended calls that went to a person (handed off, or escalated by a bot). */
  handed_off: z.number().int().optional(),
});
export const StatsSnapshotSchema = z.object({ at: z.string(), today: WindowStatsSchema, last_24h: WindowStatsSchema });
export type StatsSnapshot = z.infer<typeof StatsSnapshotSchema>;

export const CallEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('call_started'), data: CallSummarySchema }),
  z.object({ type: z.literal('call_updated'), data: CallUpdateSchema }),
  z.object({ type: z.literal('call_ended'), data: CallSummarySchema }),
  z.object({ type: z.literal('transcript'), data: TranscriptLineSchema }),
  z.object({ type: z.literal('call_handed_off'), data: HandoffNoticeSchema }),
  z.object({ type: z.literal('metric_updated'), data: StatsSnapshotSchema }),
]);
export type CallEvent = z.infer<typeof CallEventSchema>;
export type CallEventType = CallEvent['type'];
/** An event as stored: its stream id is the SSE event id a browser resumes from. */
export type StoredCallEvent = CallEvent & { id: string };

/** Stream ids are "<ms>-<seq>"; ids a browser sends back are checked before Redis sees them. */
export const EventIdSchema = z.string().regex(/^\d{1,15}-\d{1,10}$/, 'not an event id');

/** Orders two stream ids (negative when a comes first). */
export function compareEventIds(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as === bs ? 0 : as < bs ? -1 : 1;
}

/** Reading a log after close(): its readers stop instead of retrying. */
export class CallEventLogClosedError extends Error {
  constructor() {
    super('call event log closed');
  }
}

export interface CallEventLog {
  append(event: CallEvent): Promise<string>;
  /** Stored events after `afterId` (exclusive), oldest first: the catch-up of a resuming reader. */
  since(afterId: string, limit: number): Promise<StoredCallEvent[]>;
  /** Waits up to blockMs for events after `afterId`; empty when none came. */
  next(afterId: string, blockMs: number): Promise<StoredCallEvent[]>;
  /** The newest id (or "0-0"): a fresh reader starts after it. */
  lastId(): Promise<string>;
  /** The oldest id kept, when older events were trimmed away: a reader resuming before it may have lost some. */
  trimmedBefore(): Promise<string | undefined>;
  close(): Promise<void>;
}

/** How many events the stream keeps (approximately: MAXLEN ~ trims whole nodes cheaply). */
export const CALL_EVENTS_KEPT = 5000;

/** Events unreadable as the current schema (an older or newer writer) are skipped, not fatal. */
function decode(entries: [string, string[]][] | null | undefined): StoredCallEvent[] {
  const events: StoredCallEvent[] = [];
  for (const [id, fields] of entries ?? []) {
    const json = fields[fields.indexOf('event') + 1];
    try {
      events.push({ ...CallEventSchema.parse(JSON.parse(json)), id });
    } catch {
      logger.warn({ id }, 'unreadable call event skipped');
    }
  }
  return events;
}

export class RedisCallEventLog implements CallEventLog {
  private readonly writer: Redis;
  /** XREAD BLOCK holds its connection; it gets its own so writes never wait behind it. */
  private reader?: Redis;
  private closed = false;

  constructor(private readonly url: string, private readonly stream = CALL_EVENTS_STREAM, private readonly kept = CALL_EVENTS_KEPT) {
    this.writer = this.connect({ maxRetriesPerRequest: 2 });
  }

  /** A failing Redis shows in the commands that fail (logged by their callers), not as unhandled 'error' events. */
  private connect(options: { maxRetriesPerRequest: number | null }): Redis {
    return new Redis(this.url, options).on('error', () => {});
  }

  async append(event: CallEvent): Promise<string> {
    const id = await this.writer.xadd(this.stream, 'MAXLEN', '~', this.kept, '*', 'event', JSON.stringify(event));
    return id!;
  }

  async since(afterId: string, limit: number): Promise<StoredCallEvent[]> {
    return decode(await this.writer.xrange(this.stream, `(${afterId}`, '+', 'COUNT', limit));
  }

  async next(afterId: string, blockMs: number): Promise<StoredCallEvent[]> {
    if (this.closed) throw new CallEventLogClosedError();
    this.reader ??= this.connect({ maxRetriesPerRequest: null });
    try {
      const answer = await this.reader.xread('COUNT', 500, 'BLOCK', blockMs, 'STREAMS', this.stream, afterId);
      return decode(answer?.[0]?.[1]);
    } catch (err) {
      throw this.closed ? new CallEventLogClosedError() : err;
    }
  }

  async lastId(): Promise<string> {
    const [last] = await this.writer.xrevrange(this.stream, '+', '-', 'COUNT', 1);
    return last?.[0] ?? '0-0';
  }

  async trimmedBefore(): Promise<string | undefined> {
    if (!(await this.writer.exists(this.stream))) return undefined;
    const info = (await this.writer.xinfo('STREAM', this.stream)) as unknown[];
    const field = (name: string) => info[info.indexOf(name) + 1];
    // entries-added (Redis 7) counts every XADD; more than the length means some were trimmed.
    const trimmed = Number(field('entries-added')) > Number(field('length'));
    return trimmed ? String((field('first-entry') as [string, unknown])[0]) : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.writer.disconnect();
    this.reader?.disconnect();
  }
}

/** `npm start` without REDIS_URL runs in one process: the same log kept in memory. */
export class MemoryCallEventLog implements CallEventLog {
  constructor(private readonly kept = CALL_EVENTS_KEPT) {}
  private readonly events: StoredCallEvent[] = [];
  private readonly waiters = new Set<() => void>();
  private seq = 0;
  private closed = false;
  private trimmed = false;

  async append(event: CallEvent): Promise<string> {
    const id = `${Date.now()}-${++this.seq}`;
    this.events.push({ ...event, id });
    if (this.events.length > this.kept) {
      this.events.splice(0, this.events.length - this.kept);
      this.trimmed = true;
    }
    for (const wake of this.waiters) wake();
    return id;
  }

  async since(afterId: string, limit: number): Promise<StoredCallEvent[]> {
    return this.events.filter((e) => compareEventIds(e.id, afterId) > 0).slice(0, limit);
  }

  async next(afterId: string, blockMs: number): Promise<StoredCallEvent[]> {
    if (this.closed) throw new CallEventLogClosedError();
    const ready = await this.since(afterId, 500);
    if (ready.length) return ready;
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, blockMs);
      this.waiters.add(wake);
    });
    return this.since(afterId, 500);
  }

  async lastId(): Promise<string> {
    return this.events.at(-1)?.id ?? '0-0';
  }

  async trimmedBefore(): Promise<string | undefined> {
    return this.trimmed ? this.events[0].id : undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const wake of this.waiters) wake();
  }
}

let shared: CallEventLog | undefined;

export function callEventLog(): CallEventLog {
  if (!shared) {
    const { REDIS_URL } = loadConfig();
    shared = REDIS_URL ? new RedisCallEventLog(REDIS_URL) : new MemoryCallEventLog();
  }
  return shared;
}

export async function closeCallEventLog(): Promise<void> {
  await shared?.close();
  shared = undefined;
}

const PUBLISH_TIMEOUT_MS = 2000;

/** Publishes that failed (Redis down, an event that does not match its schema): for ops and tests. */
export const publishFailures = { count: 0 };

/** Appends an event to the feed; never throws (a call must not fail because its dashboard could not hear). */
export async function publishCallEvent(event: CallEvent, log: CallEventLog = callEventLog()): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const appended = log.append(CallEventSchema.parse(event));
    // A Redis that is down would hold the caller through ioredis's reconnects: give up sooner.
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('publish timed out')), PUBLISH_TIMEOUT_MS)));
    await Promise.race([appended, late]);
  } catch (err) {
    publishFailures.count++;
    logger.warn({ type: event.type, err: (err as Error).message }, 'call event not published');
  } finally {
    clearTimeout(timer);
  }
}
