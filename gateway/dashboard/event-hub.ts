// One reader of the call event log per gateway process, fanned out to every open stream in it:
// a hundred browsers cost one blocking Redis read, not a hundred.
import { type CallEventLog, CallEventLogClosedError, compareEventIds, type StoredCallEvent } from '../../lib/call-events';
import { logger } from '../../lib/logger';

const BLOCK_MS = 5_000;
const RETRY_MS = 1_000;

export type Listener = (event: StoredCallEvent) => void;

export class CallEventHub {
  private readonly listeners = new Set<Listener>();
  private cursor?: string;
  private reading?: Promise<void>;
  private ready?: Promise<void>;
  private closed = false;

  constructor(private readonly log: CallEventLog, private readonly blockMs = BLOCK_MS) {}

  /**
   * Adds a listener for every event appended from now on. Resolves once the hub's read position
   * is fixed, so a caller that then reads the log's past (a resume) misses nothing between.
   */
  async subscribe(listener: Listener): Promise<() => void> {
    this.listeners.add(listener);
    this.ready ??= this.log.lastId().then((id) => {
      this.cursor = id;
    });
    try {
      await this.ready;
    } catch (err) {
      this.ready = undefined; // try again for the next subscriber
      this.listeners.delete(listener);
      throw err;
    }
    this.reading ??= this.read();
    return () => this.listeners.delete(listener);
  }

  private async read(): Promise<void> {
    while (!this.closed) {
      try {
        for (const event of await this.log.next(this.cursor!, this.blockMs)) {
          if (compareEventIds(event.id, this.cursor!) <= 0) continue;
          this.cursor = event.id;
          for (const listener of this.listeners) listener(event);
        }
      } catch (err) {
        if (this.closed || err instanceof CallEventLogClosedError) return;
        logger.warn({ err: (err as Error).message }, 'call event feed unreadable; retrying');
        await new Promise((r) => setTimeout(r, RETRY_MS).unref());
      }
    }
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }
}
