// What a journal save tells the dashboard: the call's row as an event (started, updated, ended)
// with the lifecycle transitions the save stored, a notice when the call was handed off, and when
// a call starts or ends the new stats. Called by the persistence activity after the row is
// stored, so the feed never shows a call the database does not have. Our own calls' transcript
// lines are published live by the gateway (gateway/dashboard/transcript-feed.ts), not here: the
// journal stores a voice call's lines only at status changes and at the end. A call registered
// from outside has no media session here: its turns reach the journal through the API and are
// published from its saves.
import { maskPhone } from './phone';
import { type CallEvent, type CallSummary, EXTERNAL_PROVIDER, publishCallEvent, type TransitionView } from './call-events';
import { statsSnapshot } from './call-stats';
import { loadConfig } from './config';
import { logger } from './logger';
import type { CallEventEntry, CallRecord, TranscriptEntry } from '../activities/persistence';
import type { LifecycleState } from '../workflows/lifecycle-types';

/** Calls that rang in have ids of their own shape (workflows/messages.ts inboundCallId); a registered call's direction is its stack's business. */
export function directionOf(callId: string, provider: string): CallSummary['direction'] {
  if (provider === EXTERNAL_PROVIDER) return null;
  return callId.startsWith('inbound-') ? 'inbound' : 'outbound';
}

/** Masked; a registered call has no number here (its stack keeps it). */
export const shownPhone = (phone: string): string => (phone ? maskPhone(phone) : '');

/** The lifecycle's copy on a call's row, as the dashboard shows it (the same from a save and from the table). */
export interface LifecycleCopy {
  state?: string | null;
  source?: string | null;
  roomName?: string | null;
  handoffReason?: string | null;
  handoffAt?: string | null;
  endReason?: string | null;
}

export function lifecycleSummary(copy: LifecycleCopy): Pick<CallSummary, 'lifecycle' | 'source' | 'room_name' | 'handoff' | 'end_reason'> {
  return {
    lifecycle: (copy.state as LifecycleState | null | undefined) ?? null,
    source: copy.source ?? null,
    room_name: copy.roomName ?? null,
    handoff: copy.handoffReason ? { reason: copy.handoffReason, at: copy.handoffAt ?? null } : null,
    end_reason: copy.endReason ?? null,
  };
}

/** The audit log's lifecycle entries among a save's events (kind `lifecycle`: from, to, actor, reason, at). */
export function transitionsOf(events: readonly CallEventEntry[]): TransitionView[] {
  return events.filter((e) => e.kind === 'lifecycle').map((e) => ({
    key: e.dedupeKey,
    from: e.data.from as LifecycleState,
    to: e.data.to as LifecycleState,
    actor: String(e.data.actor),
    reason: typeof e.data.reason === 'string' ? e.data.reason : null,
    at: String(e.data.at),
  }));
}

export function callSummary(record: CallRecord, events: readonly CallEventEntry[] = []): CallSummary {
  const transitions = transitionsOf(events);
  // The step says what the call is doing; a transition is shown as the lifecycle state instead.
  const steps = events.filter((e) => e.kind !== 'lifecycle');
  return {
    call_id: record.callId,
    call_type: record.callType,
    provider: record.provider,
    direction: directionOf(record.callId, record.provider),
    status: record.status,
    outcome: record.outcome ?? null,
    business_key: record.businessKey,
    phone_masked: shownPhone(record.calleePhone),
    attempts: record.attempts,
    answered_at: record.answeredAt ?? null,
    ended_at: record.endedAt ?? null,
    ...(steps.length ? { step: steps.at(-1)!.kind } : {}),
    ...lifecycleSummary({ ...record.lifecycle }),
    ...(transitions.length ? { transitions } : {}),
  };
}

/** The event one save publishes. */
export function eventOfSave(record: CallRecord, events: readonly CallEventEntry[], isNew: boolean): { type: 'call_started' | 'call_updated' | 'call_ended'; data: CallSummary } {
  const type = record.status === 'COMPLETED' ? 'call_ended' : isNew ? 'call_started' : 'call_updated';
  return { type, data: callSummary(record, events) };
}

/** Everything one save tells the feed, in order: the call, then a handoff it stored, then a registered call's turns. */
export function eventsOfSave(record: CallRecord, events: readonly CallEventEntry[], transcript: readonly TranscriptEntry[], isNew: boolean): CallEvent[] {
  const handoffs: CallEvent[] = transitionsOf(events).filter((t) => t.to === 'HANDED_OFF').map((t) => ({
    type: 'call_handed_off',
    data: { call_id: record.callId, call_type: record.callType, reason: t.reason ?? record.lifecycle?.handoffReason ?? 'unspecified', actor: t.actor, at: t.at, key: t.key },
  }));
  // Line ids are the journal's keys, as the call page's stored transcript has them: a line is shown once.
  const turns: CallEvent[] = record.provider !== EXTERNAL_PROVIDER ? [] : transcript.map((t) => ({
    type: 'transcript',
    data: { call_id: record.callId, line_id: t.dedupeKey, speaker: t.speaker, text: t.text, at: t.at },
  }));
  return [eventOfSave(record, events, isNew), ...handoffs, ...turns];
}

export async function publishSave(record: CallRecord, events: readonly CallEventEntry[], transcript: readonly TranscriptEntry[], isNew: boolean): Promise<void> {
  for (const event of eventsOfSave(record, events, transcript, isNew)) await publishCallEvent(event);
  if (!isNew && record.status !== 'COMPLETED') return; // the counts change when a call starts or ends
  try {
    await publishCallEvent({ type: 'metric_updated', data: await statsSnapshot(loadConfig().DASHBOARD_TIME_ZONE) });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'dashboard stats not computed');
  }
}
