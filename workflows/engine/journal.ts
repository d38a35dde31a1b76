// The call's audit log and transcript, and the writer that stores them with the call's row.
// Storing is off the call's critical path: the script asks for a save and goes on, so a
// PostgreSQL outage never stops a live call from taking keys or speech. A single writer
// coroutine catches up when the database is back; entry keys are deterministic per run, so a
// retried save stores each entry once, and nothing is dropped.
import { condition, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type * as persistence from '../../activities/persistence';
import type { CallEventEntry, CallRecord, SemanticEventEntry, TranscriptEntry } from '../../activities/persistence';
import type { Turn } from '../lifecycle-types';

const store = proxyActivities<typeof persistence>({
  startToCloseTimeout: '15s',
  // No attempt limit: the journal must land eventually, however long the outage.
  retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
});

export class CallJournal {
  private seq = 0;
  private events: CallEventEntry[] = [];
  private transcript: TranscriptEntry[] = [];
  private semantic: SemanticEventEntry[] = [];
  /** Turns and semantic events are numbered per call, in the order the workflow took them. */
  private turnSeq = 0;
  private semanticSeq = 0;
  /** Told of every turn stored (the lifecycle's context and handoff rules). */
  onTurn?: (turn: Turn) => void;
  private saveWanted = false;
  private closing = false;
  private writer?: Promise<void>;

  /** `snapshot` gives the call's row as it is at the moment of each save. */
  constructor(private readonly snapshot: () => CallRecord) {}

  event(kind: string, data: Record<string, unknown>): void {
    this.events.push({ dedupeKey: `${workflowInfo().runId}:${++this.seq}`, kind, data });
  }

  /**
   * Stores one turn of the conversation: our bots' prompts and the caller's words, and turns an
   * outside voice stack posts (those carry their own id, so a repeat lands once). The one path
   * every turn takes.
   */
  said(entry: Omit<TranscriptEntry, 'dedupeKey' | 'at' | 'seq'>, turnId?: string, at = new Date().toISOString()): Turn {
    const dedupeKey = turnId ? `turn:${turnId}` : `${workflowInfo().runId}:t${++this.seq}`;
    const seq = ++this.turnSeq;
    this.transcript.push({ ...entry, dedupeKey, at, seq });
    const turn: Turn = {
      turnId: turnId ?? dedupeKey, seq, at, speaker: entry.speaker, text: entry.text, confidence: entry.confidence, language: entry.language,
    };
    this.onTurn?.(turn);
    return turn;
  }

  /** A semantic event (intent, entity, sentiment, escalation, tool use), idempotent by its id. */
  semanticEvent(eventId: string, type: string, data: Record<string, unknown>): number {
    const seq = ++this.semanticSeq;
    this.semantic.push({ eventId, seq, type, data, at: new Date().toISOString() });
    return seq;
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
      const semantic = this.semantic.splice(0);
      try {
        // Calls recorded before semantic events existed passed three arguments: keep that shape when there are none.
        await (semantic.length ? store.recordCall(this.snapshot(), events, transcript, semantic) : store.recordCall(this.snapshot(), events, transcript));
      } catch {
        // Only a non-retryable failure gets here: keep the entries and try again later.
        this.events.unshift(...events);
        this.transcript.unshift(...transcript);
        this.semantic.unshift(...semantic);
        this.saveWanted = true;
        await sleep('1m');
        continue;
      }
      if (this.closing && !this.saveWanted) return;
    }
  }
}
