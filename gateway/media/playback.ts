// Plays prompt audio into a media stream in real time. Chunks go out paced against the clock,
// each followed by a mark, so the provider's mark echoes tell us how much the callee has
// actually heard; interrupt() sends `clear` and reports that for barge-in.
import { chunkOutbound, type MediaStreamCodec } from '../../providers/media-stream';
import { pcm16ToBytesLE, pcm16ToMulaw, resamplePcm16 } from '../../lib/audio';
import { outboundJitterSeconds } from '../../lib/metrics';
import { TimingRing } from '../../lib/timing-ring';

/** Audio sent ahead of real time: enough to ride out event-loop hiccups, little enough to stop fast. */
const LEAD_MS = 240;
const CHUNK_MS = 200;
const MARK_GRACE_MS = 2000;

export interface StreamFormat {
  encoding: 'pcm16' | 'mulaw';
  sampleRate: number;
}

export interface Interruption {
  promptId: string;
  heardMs: number;
  totalMs: number;
}

interface Chunk {
  bytes: Buffer;
  endMs: number; // prompt time at the end of this chunk
}

/** Encodes 8 kHz PCM16 prompt audio into the stream's wire format. */
export function encodeForStream(samples8k: Int16Array, format: StreamFormat): Buffer {
  if (format.encoding === 'mulaw') {
    const out = Buffer.alloc(samples8k.length);
    pcm16ToMulaw(samples8k, out);
    return out;
  }
  const samples = format.sampleRate === 8000 ? samples8k : resamplePcm16(samples8k, 8000, format.sampleRate);
  return pcm16ToBytesLE(samples);
}

export class Playback {
  private chunks: Chunk[] = [];
  private promptId = '';
  private seq = 0;
  private nextChunk = 0;
  private heardMs = 0;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;
  private finish?: (how: 'done' | 'interrupted') => void;
  /** Scheduling error of each chunk sent (ms late), for the benchmark. */
  readonly jitterMs = new TimingRing(1024);
  private readonly jitterSeconds;

  constructor(
    private readonly send: (frame: string) => void,
    private readonly codec: MediaStreamCodec,
    private readonly streamSid: string,
    private readonly format: StreamFormat,
  ) {
    this.jitterSeconds = outboundJitterSeconds.labels(codec.provider);
  }

  get playing(): boolean {
    return this.finish !== undefined;
  }

  /** Resolves when every chunk's mark has come back, or when interrupted. */
  play(promptId: string, audio: Buffer): Promise<'done' | 'interrupted'> {
    this.interrupt(); // a new prompt (e.g. the reply after a filler) replaces what is still buffered
    const rule = this.codec.outboundChunkBytes(this.format.sampleRate);
    const bytesPerMs = (this.format.sampleRate / 1000) * (this.format.encoding === 'pcm16' ? 2 : 1);
    const target = Math.max(rule.min, Math.floor((CHUNK_MS * bytesPerMs) / rule.multiple) * rule.multiple);
    let endMs = 0;
    this.chunks = chunkOutbound(audio, rule, Math.min(target, rule.max)).map((bytes) => ({ bytes, endMs: (endMs += bytes.length / bytesPerMs) }));
    this.promptId = promptId;
    this.seq++;
    this.nextChunk = 0;
    this.heardMs = 0;
    this.startedAt = performance.now();
    return new Promise((resolve) => {
      this.finish = resolve;
      this.pump();
    });
  }

  /** A mark came back: the audio before it has been played. */
  onMark(name: string): void {
    const [seq, index] = name.split(':').map(Number);
    if (seq !== this.seq || !this.playing) return;
    this.heardMs = this.chunks[index]?.endMs ?? this.heardMs;
    if (index === this.chunks.length - 1) this.stop('done');
  }

  /** Barge-in: drop what the provider has buffered and say how much was heard. */
  interrupt(): Interruption | undefined {
    if (!this.playing) return undefined;
    const interruption = { promptId: this.promptId, heardMs: Math.round(this.heardMs), totalMs: Math.round(this.chunks.at(-1)?.endMs ?? 0) };
    this.send(this.codec.clear(this.streamSid));
    this.stop('interrupted');
    return interruption;
  }

  stop(how: 'done' | 'interrupted' = 'interrupted'): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const finish = this.finish;
    this.finish = undefined;
    finish?.(how);
  }

  private pump = (): void => {
    if (!this.playing) return;
    const now = performance.now() - this.startedAt;
    while (this.nextChunk < this.chunks.length) {
      const startMs = this.nextChunk === 0 ? 0 : this.chunks[this.nextChunk - 1].endMs;
      const dueMs = Math.max(0, startMs - LEAD_MS);
      if (dueMs > now) {
        this.timer = setTimeout(this.pump, dueMs - now);
        return;
      }
      this.jitterMs.push(now - dueMs);
      this.jitterSeconds.observe((now - dueMs) / 1000);
      const chunk = this.chunks[this.nextChunk];
      this.send(this.codec.media(this.streamSid, chunk.bytes));
      this.send(this.codec.mark(this.streamSid, `${this.seq}:${this.nextChunk}`));
      this.nextChunk++;
    }
    // Everything is queued; if the provider loses a mark, don't wait for it forever.
    const totalMs = this.chunks.at(-1)?.endMs ?? 0;
    this.timer = setTimeout(() => this.stop('done'), Math.max(0, totalMs - now) + MARK_GRACE_MS);
  };
}
