// The fake's own voice activity detection. The real server runs a model; this one calls a 20 ms
// frame speech when its RMS level clears a bar set by the session's threshold, which is simple,
// deterministic and enough to tell a test's spoken audio from its silence. Timings follow the
// documented meaning of prefix_padding_ms and silence_duration_ms.

export interface VadSettings {
  /** 0..1 as in turn_detection; 0.5 → frames above −40 dBFS are speech. */
  threshold: number;
  prefixPaddingMs: number;
  silenceDurationMs: number;
}

export type VadEvent = { kind: 'speech_started'; audioStartMs: number } | { kind: 'speech_stopped'; audioEndMs: number };

const FRAME_MS = 20;

/** The level (dBFS) a frame must exceed: −70 dB at threshold 0, −10 dB at 1. */
export function speechLevelDb(threshold: number): number {
  return -70 + 60 * threshold;
}

export class EnergyVad {
  private readonly frame: Int16Array;
  private fill = 0;
  /** Audio received so far, in whole frames: the session's audio clock. */
  private framesSeen = 0;
  private speaking = false;
  private quietFrames = 0;
  /** Speech never starts before the audio of the previous turn ended. */
  private floorMs = 0;

  constructor(
    readonly sampleRate: number,
    private settings: VadSettings,
  ) {
    this.frame = new Int16Array((sampleRate * FRAME_MS) / 1000);
  }

  /** Milliseconds of audio received since the session began. */
  get audioMs(): number {
    return this.framesSeen * FRAME_MS;
  }

  get inSpeech(): boolean {
    return this.speaking;
  }

  /** Continues the audio clock of an earlier VAD (the session changed its input format). */
  skipTo(audioMs: number): void {
    this.framesSeen = Math.floor(audioMs / FRAME_MS);
    this.floorMs = this.audioMs;
  }

  configure(settings: VadSettings): void {
    this.settings = settings;
  }

  /** Feeds samples of any length; returns what they made happen. */
  push(samples: Int16Array): VadEvent[] {
    const events: VadEvent[] = [];
    for (let i = 0; i < samples.length; ) {
      const take = Math.min(samples.length - i, this.frame.length - this.fill);
      this.frame.set(samples.subarray(i, i + take), this.fill);
      this.fill += take;
      i += take;
      if (this.fill === this.frame.length) {
        const event = this.classify(levelDb(this.frame));
        if (event) events.push(event);
        this.fill = 0;
      }
    }
    return events;
  }

  /** The buffer was committed or cleared by the client: whatever speech was open is gone. */
  reset(): void {
    this.speaking = false;
    this.quietFrames = 0;
    this.floorMs = this.audioMs;
  }

  private classify(db: number): VadEvent | undefined {
    const frameStartMs = this.framesSeen * FRAME_MS;
    this.framesSeen++;
    const loud = db > speechLevelDb(this.settings.threshold);
    if (!this.speaking) {
      if (!loud) return undefined;
      this.speaking = true;
      this.quietFrames = 0;
      return { kind: 'speech_started', audioStartMs: Math.max(this.floorMs, frameStartMs - this.settings.prefixPaddingMs) };
    }
    this.quietFrames = loud ? 0 : this.quietFrames + 1;
    if (this.quietFrames * FRAME_MS < this.settings.silenceDurationMs) return undefined;
    this.speaking = false;
    this.quietFrames = 0;
    this.floorMs = this.audioMs;
    return { kind: 'speech_stopped', audioEndMs: this.audioMs };
  }
}

function levelDb(frame: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
  const rms = Math.sqrt(sum / frame.length);
  return rms === 0 ? -Infinity : 20 * Math.log10(rms / 32768);
}
