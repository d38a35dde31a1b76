// The call's audit log and transcript, and the writer that stores them with the call's row.
// Storing is off the call's critical path: the script asks for a save and goes on, so a
// PostgreSQL outage never stops a live call from taking keys or speech. A single writer
// coroutine catches up when the database is back; entry keys are deterministic per run, so a
// retried save stores each entry once, and nothing is dropped.
import { condition, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type * as persistence from '../../activities/persistence';
import type { CallEventEntry, CallRecord, TranscriptEntry } from '../../activities/persistence';

const store = proxyActivities<typeof persistence>({
  startToCloseTimeout: '15s',
  // No attempt limit: the journal must land eventually, however long the outage.
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
});

export class CallJournal {
  private seq = 0;
  private events: CallEventEntry[] = [];
  private transcript: TranscriptEntry[] = [];
  private saveWanted = false;
  private closing = false;
  private writer?: Promise<void>;

  /** `snapshot` gives the call's row as it is at the moment of each save. */
  constructor(private readonly snapshot: () => CallRecord) {}

  event(kind: string, data: Record<string, unknown>): void {
    this.events.push({ dedupeKey: `${workflowInfo().runId}:${++this.seq}`, kind, data });
  }

  said(entry: Omit<TranscriptEntry, 'dedupeKey' | 'at'>): void {
    this.transcript.push({ ...entry, dedupeKey: `${workflowInfo().runId}:t${++this.seq}`, at: new Date().toISOString() });
  }

  /** Asks for a save of the row and everything recorded since the last one; never waits. */
  save(): void {
    this.saveWanted = true;
    this.writer ??= this.write();
  }

  /** Saves one last time and waits until everything recorded is stored (the end of the call). */
  async flushed(): Promise<void> {
    this.closing = true;
    this.save();
    await this.writer;
  }

  private async write(): Promise<void> {
    for (;;) {
      await condition(() => this.saveWanted);
      this.saveWanted = false;
      const events = this.events.splice(0);
      const transcript = this.transcript.splice(0);
      try {
        await store.recordCall(this.snapshot(), events, transcript);
      } catch {
        // Only a non-retryable failure gets here: keep the entries and try again later.
        this.events.unshift(...events);
        this.transcript.unshift(...transcript);
        this.saveWanted = true;
        await sleep('1m');
        continue;
      }
      if (this.closing && !this.saveWanted) return;
    }
  }
}
