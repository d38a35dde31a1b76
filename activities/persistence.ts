// The calls table, its audit log and the live-call presence the active-calls endpoint reads.
import { cache } from '../lib/cache';
import { db } from '../lib/db';
import { ACTIVE_CALLS_KEY, presenceKey } from '../lib/keys';
import { publishSave } from '../lib/call-feed';
import { countCallTransition } from '../lib/metrics';
import type { CallOutcome, CallStatus, CallType, Language, RejectionReason, TelephonyProvider } from '../workflows/types';
import type { LifecycleState, Speaker } from '../workflows/lifecycle-types';

export interface CallRecord {
  callId: string;
  /** One of our call types, or the label an outside voice stack registered its call with. */
  callType: CallType | (string & {});
  businessKey: string;
  partyId: string;
  calleePhone: string;
  language: Language;
  provider: TelephonyProvider | 'external';
  status: CallStatus;
  providerCallId?: string;
  outcome?: CallOutcome;
  digits: string[];
  prepTimeMinutes?: number;
  rejectionReason?: RejectionReason;
  attempts: number;
  answeredAt?: string;
  endedAt?: string;
  /** The lifecycle's copy for the API and analytics (the workflow holds the truth). */
  lifecycle?: { state: LifecycleState; source?: string; roomName?: string; handoffReason?: string; handoffAt?: string; endReason?: string; metadata?: Record<string, unknown> };
}

export interface CallEventEntry {
  /** Deterministic per workflow run, so a retried or replayed write lands once. */
  dedupeKey: string;
  kind: string;
  data: Record<string, unknown>;
}

/** One line of a voice call's conversation. */
export interface TranscriptEntry {
  dedupeKey: string;
  speaker: Speaker;
  text: string;
  at: string;
  /** Position in the call's conversation (absent on lines stored before turns were numbered). */
  seq?: number;
  promptId?: string;
  confidence?: number;
  language?: string;
  durationMs?: number;
}

/** A semantic event of the conversation (intent detected, entity captured, sentiment, escalation, tool used). */
export interface SemanticEventEntry {
  eventId: string;
  seq: number;
  type: string;
  data: Record<string, unknown>;
  at: string;
}

const PRESENCE_TTL_SECONDS = 2 * 3600;

/** Upserts the call's row, appends its new events, and refreshes its live presence. */
export async function recordCall(record: CallRecord, events: CallEventEntry[], transcript: TranscriptEntry[] = [], semantic: SemanticEventEntry[] = []): Promise<void> {
  const row = {
    callType: record.callType,
    businessKey: record.businessKey,
    partyId: record.partyId,
    calleePhone: record.calleePhone,
    language: record.language,
    provider: record.provider,
    providerCallId: record.providerCallId ?? null,
    status: record.status,
    outcome: record.outcome ?? null,
    digits: record.digits.length ? record.digits.join(',') : null,
    prepTimeMinutes: record.prepTimeMinutes ?? null,
    rejectionReason: record.rejectionReason ?? null,
    attempts: record.attempts,
    answeredAt: record.answeredAt ? new Date(record.answeredAt) : null,
    endedAt: record.endedAt ? new Date(record.endedAt) : null,
    ...(record.lifecycle
      ? {
          lifecycle: record.lifecycle.state,
          source: record.lifecycle.source ?? null,
          roomName: record.lifecycle.roomName ?? null,
          handoffReason: record.lifecycle.handoffReason ?? null,
          handoffAt: record.lifecycle.handoffAt ? new Date(record.lifecycle.handoffAt) : null,
          endReason: record.lifecycle.endReason ?? null,
          ...(record.lifecycle.metadata ? { metadata: record.lifecycle.metadata as object } : {}),
        }
      : {}),
  };
  // The row as it was: the metrics count a call's start and end once, and the live feed tells a new call
  // from an update, whatever retries or replays write again.
  const before = await db().call.findUnique({ where: { id: record.callId }, select: { status: true } });
  await db().$transaction([
    db().call.upsert({ where: { id: record.callId }, create: { id: record.callId, ...row }, update: row }),
    db().callEvent.createMany({
      data: events.map((e) => ({ callId: record.callId, dedupeKey: e.dedupeKey, kind: e.kind, data: e.data as object })),
      skipDuplicates: true,
    }),
    db().transcriptEntry.createMany({
      data: transcript.map((t) => ({
        callId: record.callId, dedupeKey: t.dedupeKey, speaker: t.speaker, text: t.text, promptId: t.promptId ?? null,
        confidence: t.confidence ?? null, language: t.language ?? null, durationMs: t.durationMs ?? null, spokenAt: new Date(t.at), seq: t.seq ?? null,
      })),
      skipDuplicates: true,
    }),
    db().semanticEvent.createMany({
      data: semantic.map((e) => ({ callId: record.callId, eventId: e.eventId, seq: e.seq, type: e.type, data: e.data as object, occurredAt: new Date(e.at) })),
      skipDuplicates: true,
    }),
  ]);
  // Calls registered from outside stay out of the call metrics: their call types are the caller's labels, unbounded.
  if (record.provider !== 'external') countCallTransition(record.callId, before?.status as CallStatus | undefined, { ...record, callType: record.callType as CallType, provider: record.provider });

  const presence = cache();
  // The row carries a TTL (a call whose worker vanished falls off by itself); the set only
  // indexes the ids, and the active-calls endpoint drops members whose row has expired.
  if (record.status === 'COMPLETED') {
    await presence.del(presenceKey(record.callId));
    await presence.srem(ACTIVE_CALLS_KEY, record.callId);
  } else {
    const live = { call_id: record.callId, call_type: record.callType, business_key: record.businessKey, status: record.status, attempts: record.attempts, provider_call_id: record.providerCallId };
    await presence.set(presenceKey(record.callId), JSON.stringify(live), PRESENCE_TTL_SECONDS);
    await presence.sadd(ACTIVE_CALLS_KEY, record.callId);
  }
  await publishSave(record, events, transcript, !before); // the dashboard's live feed; never throws
}
