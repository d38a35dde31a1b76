// What a journal save tells the dashboard: the call's row as an event (started, updated, ended),
// its new transcript lines, and after a call ends the new stats. Called by the persistence
// activity after the row is stored, so the feed never shows a call the database does not have.
import { maskPhone } from './phone';
import { type CallEvent, type CallSummary, publishCallEvent } from './call-events';
import { statsSnapshot } from './call-stats';
import { loadConfig } from './config';
import { logger } from './logger';
import type { CallEventEntry, CallRecord, TranscriptEntry } from '../activities/persistence';

export function callSummary(record: CallRecord, events: readonly CallEventEntry[] = []): CallSummary {
  return {
    call_id: record.callId,
    call_type: record.callType,
    provider: record.provider,
    direction: record.callId.startsWith('inbound-') ? 'inbound' : 'outbound',
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

/** The events one save publishes, in the order a viewer should see them. */
export function eventsOfSave(record: CallRecord, events: readonly CallEventEntry[], transcript: readonly TranscriptEntry[], isNew: boolean): CallEvent[] {
  const summary = callSummary(record, events);
  const type = record.status === 'COMPLETED' ? 'call_ended' : isNew ? 'call_started' : 'call_updated';
  const lines: CallEvent[] = transcript.map((t) => ({
    type: 'transcript',
    data: { call_id: record.callId, line_id: t.dedupeKey, speaker: t.speaker, text: t.text, at: t.at },
  }));
  // A new call is announced before its first lines; an ended one after its last.
  return type === 'call_ended' ? [...lines, { type, data: summary }] : [{ type, data: summary }, ...lines];
}

export async function publishSave(record: CallRecord, events: readonly CallEventEntry[], transcript: readonly TranscriptEntry[], isNew: boolean): Promise<void> {
  for (const event of eventsOfSave(record, events, transcript, isNew)) await publishCallEvent(event);
  if (record.status !== 'COMPLETED') return;
  try {
    await publishCallEvent({ type: 'metric_updated', data: await statsSnapshot(loadConfig().DASHBOARD_TIME_ZONE) });
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'dashboard stats not computed');
  }
}
