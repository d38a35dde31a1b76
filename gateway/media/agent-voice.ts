// The agent's voice into a media stream. A speech-to-speech model sends its audio in pieces as
// it speaks; they are re-cut into the provider's chunk sizes, sent a little ahead of real time
// (so `clear` stops the agent within a fraction of a second) and each followed by a mark, so the
// provider's mark echoes say exactly how much of each reply the caller has heard. That position
// is what a barge-in truncates the model's memory to.
import { chunkOutbound, type MediaStreamCodec, type OutboundChunkRule } from '../../providers/media-stream';
import type { StreamFormat } from './playback';

/** Audio sent ahead of real time: enough to ride out event-loop hiccups, little enough to stop fast. */
const LEAD_MS = 240;
const CHUNK_MS = 100;
/** A lost mark is not waited for forever when the agent's last words must finish before a hang-up. */
const MARK_GRACE_MS = 2000;

interface Chunk {
  itemId: string;
  bytes: Buffer;
  /** Where this chunk ends in its reply, in ms of audio. */
  endMs: number;
}

export interface HeardPosition {
  itemId: string;
  /** Milliseconds of the reply the caller heard (the last mark echoed). */
  heardMs: number;
}

export class AgentVoice {
  private readonly rule: OutboundChunkRule;
  private readonly bytesPerMs: number;
  private readonly targetBytes: number;
  /** Audio of the current reply not yet cut into a chunk (less than one chunk). */
  private pending: Buffer = Buffer.alloc(0);
  private pendingItem = '';
  private itemMs = 0;
  private readonly queue: Chunk[] = [];
  /** Chunks sent whose marks have not come back, by mark name. */
  private readonly unheard = new Map<string, Chunk>();
  private markSeq = 0;
  private heard?: HeardPosition;
  /** When (performance.now()) the audio sent so far will have played out. */
  private sentUntilMs = 0;
  private timer?: NodeJS.Timeout;
  private drained: (() => void)[] = [];

  constructor(
    private readonly send: (frame: string) => void,
    private readonly codec: MediaStreamCodec,
    private readonly streamSid: string,
    format: StreamFormat,
  ) {
    this.rule = codec.outboundChunkBytes(format.sampleRate);
    this.bytesPerMs = (format.sampleRate / 1000) * (format.encoding === 'pcm16' ? 2 : 1);
    const target = Math.max(this.rule.min, Math.floor((CHUNK_MS * this.bytesPerMs) / this.rule.multiple) * this.rule.multiple);
    this.targetBytes = Math.min(target, this.rule.max);
  }

  /** True while audio is queued or playing (marks outstanding). */
  get speaking(): boolean {
    return this.queue.length > 0 || this.unheard.size > 0 || this.pending.length > 0;
  }

  /** A piece of the reply `itemId`, already in the stream's encoding. */
  push(itemId: string, audio: Buffer): void {
    if (itemId !== this.pendingItem) {
      this.flush();
      this.pendingItem = itemId;
      this.itemMs = 0;
    }
    this.pending = this.pending.length ? Buffer.concat([this.pending, audio]) : audio;
    const whole = this.pending.length - (this.pending.length % this.targetBytes);
    if (whole > 0) {
      this.enqueue(this.pending.subarray(0, whole));
      this.pending = this.pending.subarray(whole);
    }
    this.pump();
  }

  /** The reply's audio is complete: send what is left of it (padded to the provider's rule). */
  flush(): void {
    if (this.pending.length === 0) return;
    this.enqueue(this.pending);
    this.pending = Buffer.alloc(0);
    this.pump();
  }

  /** A mark came back: the audio before it has been played. */
  onMark(name: string): void {
    const chunk = this.unheard.get(name);
    if (!chunk) return;
    // Marks come back in order: everything up to this one has been heard.
    for (const key of this.unheard.keys()) {
      this.unheard.delete(key);
      if (key === name) break;
    }
    this.heard = { itemId: chunk.itemId, heardMs: Math.round(chunk.endMs) };
    this.settle();
  }

  /**
   * Barge-in: drops what is queued and what the provider has buffered, and says how much of the
   * reply being played was heard (undefined when nothing was playing).
   */
  interrupt(): HeardPosition | undefined {
    if (!this.speaking) return undefined;
    const playing = this.unheard.values().next().value?.itemId ?? this.queue[0]?.itemId ?? this.pendingItem;
    const heardMs = this.heard?.itemId === playing ? this.heard.heardMs : 0;
    this.queue.length = 0;
    this.unheard.clear();
    this.pending = Buffer.alloc(0);
    this.pendingItem = '';
    clearTimeout(this.timer);
    this.send(this.codec.clear(this.streamSid));
    this.sentUntilMs = performance.now(); // the provider's buffer is empty again
    this.settle();
    return { itemId: playing, heardMs };
  }

  /** Resolves once everything sent has been played (its marks are back), or a grace period after it should have. */
  whenDrained(): Promise<void> {
    this.flush();
    if (!this.speaking) return Promise.resolve();
    return new Promise((resolve) => {
      const grace = setTimeout(resolve, Math.max(0, this.sentUntilMs - performance.now()) + this.queuedMs() + MARK_GRACE_MS);
      this.drained.push(() => {
        clearTimeout(grace);
        resolve();
      });
    });
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
    this.unheard.clear();
    this.settle();
  }

  private enqueue(audio: Buffer): void {
    for (const bytes of chunkOutbound(audio, this.rule, this.targetBytes)) {
      this.itemMs += bytes.length / this.bytesPerMs;
      this.queue.push({ itemId: this.pendingItem, bytes, endMs: this.itemMs });
    }
  }

  private pump = (): void => {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    // After a silence the stream starts again at now: nothing is owed from the past.
    this.sentUntilMs = Math.max(this.sentUntilMs, performance.now());
    while (this.queue.length > 0) {
      const dueMs = this.sentUntilMs - LEAD_MS;
      const now = performance.now();
      if (dueMs > now) {
        this.timer = setTimeout(this.pump, dueMs - now);
        return;
      }
      const chunk = this.queue.shift()!;
      const mark = `a${++this.markSeq}`;
      this.unheard.set(mark, chunk);
      this.send(this.codec.media(this.streamSid, chunk.bytes));
      this.send(this.codec.mark(this.streamSid, mark));
      this.sentUntilMs += chunk.bytes.length / this.bytesPerMs;
    }
  };

  private settle(): void {
    if (this.speaking) return;
    for (const resolve of this.drained.splice(0)) resolve();
  }

  private queuedMs(): number {
    return this.queue.reduce((ms, c) => ms + c.bytes.length / this.bytesPerMs, 0);
  }

}
