// What a journal save tells the dashboard: the call's row as an event (started, updated, ended),
// and when a call starts or ends the new stats. Called by the persistence activity after the row is
// stored, so the feed never shows a call the database does not have. Transcript lines are
// published live by the gateway (gateway/dashboard/transcript-feed.ts), not here: the journal
// stores a voice call's lines only at status changes and at the end.
import { maskPhone } from './phone';
import { type CallEvent, type CallSummary, publishCallEvent } from './call-events';
import { statsSnapshot } from './call-stats';
import { loadConfig } from './config';
import { logger } from './logger';
import type { CallEventEntry, CallRecord } from '../activities/persistence';

/** Calls that rang in have ids of their own shape (workflows/messages.ts inboundCallId). */
export const directionOf = (callId: string): 'inbound' | 'outbound' => (callId.startsWith('inbound-') ? 'inbound' : 'outbound');

export function callSummary(record: CallRecord, events: readonly CallEventEntry[] = []): CallSummary {
  return {
    call_id: record.callId,
    call_type: record.callType,
    provider: record.provider,
    direction: directionOf(record.callId),
    status: record.status,
    outcome: record.outcome ?? null,
    business_key: record.businessKey,
    phone_masked: maskPhone(record.calleePhone),
    attempts: record.attempts,
    answered_at: record.answeredAt ?? null,
    ended_at: record.endedAt ?? null,
    ...(events.length ? { step: events.at(-1)!.kind } : {}),
  };
}

/** The event one save publishes. */
export function eventOfSave(record: CallRecord, events: readonly CallEventEntry[], isNew: boolean): CallEvent {
  const type = record.status === 'COMPLETED' ? 'call_ended' : isNew ? 'call_started' : 'call_updated';
  return { type, data: callSummary(record, events) };
}

export async function publishSave(record: CallRecord, events: readonly CallEventEntry[], isNew: boolean): Promise<void> {
  await publishCallEvent(eventOfSave(record, events, isNew));
  if (!isNew && record.status !== 'COMPLETED') return; // the counts change when a call starts or ends
  try {
    await publishCallEvent({ type: 'metric_updated', data: await statsSnapshot(loadConfig().DASHBOARD_TIME_ZONE) });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'dashboard stats not computed');
  }
}
