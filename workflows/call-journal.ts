// What a call writes to its audit log and transcript between saves. Keys are deterministic per
// workflow run, so a retried or replayed save stores each entry once.
import { workflowInfo } from '@temporalio/workflow';
import type { CallEventEntry, TranscriptEntry } from '../activities/persistence';

export class CallJournal {
  private seq = 0;
  private events: CallEventEntry[] = [];
  private transcript: TranscriptEntry[] = [];

  event(kind: string, data: Record<string, unknown>): void {
    this.events.push({ dedupeKey: `${workflowInfo().runId}:${++this.seq}`, kind, data });
  }

  said(entry: Omit<TranscriptEntry, 'dedupeKey' | 'at'>): void {
    this.transcript.push({ ...entry, dedupeKey: `${workflowInfo().runId}:t${++this.seq}`, at: new Date().toISOString() });
  }

  /** Hands over everything recorded since the last call. */
  take(): { events: CallEventEntry[]; transcript: TranscriptEntry[] } {
    const taken = { events: this.events, transcript: this.transcript };
    this.events = [];
    this.transcript = [];
    return taken;
  }
}
