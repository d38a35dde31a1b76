/**
 * Streaming speech endpointer for the media path: 20 ms PCM16 frames in, utterances out.
 *
 *   idle ──(minSpeechMs of speech, gaps ≤ 100 ms allowed)──▶ speaking   emits 'speech-start'
 *   speaking ──(endSilenceMs of non-speech, or maxUtteranceMs)──▶ idle   emits 'speech-end'
 *
 * Every frame also goes into a ring buffer, so when speech is confirmed the utterance can begin
 * `preRollMs` before the first speech frame: the VAD needs a few frames to react, and the first
 * syllable (often a soft consonant) would otherwise be cut. For the same reason a run of speech
 * too short to start an utterance on its own ("Yes," then a pause) is kept as its start if more
 * speech follows within endSilenceMs, just as that pause would not have ended an utterance.
 * Buffers are allocated at construction and grow rarely; the only per-utterance allocation is the
 * copy handed out on 'speech-end'.
 */
import { EventEmitter } from 'node:events';
import { Vad, type FrameClassifier, type VadMode, type VadSampleRate } from './vad';

const FRAME_MS = 20;
/**
 * Non-speech allowed inside the speech that confirms a start. Real onsets are not solid: in noise,
 * stop closures and short pauses ("please | con-firm") fall below the gate for 40-80 ms, and
 * without this tolerance the start (the barge-in signal) came 460 ms later in the tests' noise.
 */
const START_GAP_FRAMES = 5; // 100 ms
/** Initial utterance buffer; it doubles as needed up to maxUtteranceMs (so idle calls stay small). */
const INITIAL_UTTERANCE_MS = 4000;

/**
 * Energy gate beside the VAD. WebRTC VAD alone fails two ways on this path (measured on eSpeak
 * speech and white noise at 8 kHz): it holds 'speech' for 5-8 frames after any loud sound (its
 * hangover), so a 200 ms click reads as 300+ ms of speech; and in modes 0-2 steady noise at
 * -30 dBFS reads as speech throughout. A frame therefore counts as speech only if it is also
 * GATE_MARGIN_DB above a running noise floor, which follows the quietest frames at once and rises
 * slowly, so that speech (whose energy dips between syllables) does not lift it. Known limit: noise
 * that starts abruptly after a quiet spell passes both for a while (about 2.5 s for a 30 dB step).
 */
const GATE_MARGIN_DB = 6;
const GATE_RISE_DB_PER_FRAME = 0.2; // 10 dB/s
const GATE_MIN_FLOOR_DBFS = -70; // digital silence must not pull the floor to -inf
const FULL_SCALE_POWER = 32768 * 32768;
const dbToPower = (db: number) => FULL_SCALE_POWER * 10 ** (db / 10);

class EnergyGate {
  private static readonly margin = 10 ** (GATE_MARGIN_DB / 10);
  private static readonly rise = 10 ** (GATE_RISE_DB_PER_FRAME / 10);
  private static readonly minFloor = dbToPower(GATE_MIN_FLOOR_DBFS);
  private floor = 0; // mean square of a noise frame; 0 until the first frame

  /** Updates the floor with this frame; true if the frame is clearly louder than the floor. */
  passes(frame: Int16Array): boolean {
    let sum = 0;
    for (let i = 0; i < frame.length; i++) sum += frame[i] * frame[i];
    const power = Math.max(sum / frame.length, EnergyGate.minFloor);
    // The first frame seeds the floor: a stream that opens on noise is judged against that noise.
    if (this.floor === 0 || power < this.floor) this.floor = power;
    else this.floor = Math.min(power, this.floor * EnergyGate.rise);
    return power > this.floor * EnergyGate.margin;
  }

  reset(): void {
    this.floor = 0;
  }
}

export interface EndpointerOptions {
  sampleRate: VadSampleRate;
  /** WebRTC VAD aggressiveness, used by `Endpointer.create` (default: the Vad's). */
  mode?: VadMode;
  /** Speech needed before 'speech-start'; shorter bursts (clicks, coughs, line noise) are ignored. */
  minSpeechMs?: number;
  /** Non-speech that ends an utterance; long enough to bridge pauses between words. */
  endSilenceMs?: number;
  /** Audio kept before the first speech frame, and the most trailing silence kept after the last. */
  preRollMs?: number;
  /** Longest utterance (pre-roll included); it bounds memory and ASR latency if the line never goes quiet. */
  maxUtteranceMs?: number;
}

export type EndReason = 'silence' | 'max-length' | 'stream-end';

export interface SpeechStart {
  /** Stream time (ms since the first frame) of the first speech frame. */
  onsetMs: number;
  /** Stream time at which speech was confirmed (the end of the frame that confirmed it). */
  atMs: number;
}

export interface SpeechEnd extends SpeechStart {
  /** Stream time of the end of the last speech frame. */
  lastSpeechMs: number;
  /** Stream time of audio[0] (onsetMs minus the pre-roll actually available). */
  audioStartMs: number;
  audio: Int16Array;
  reason: EndReason;
}

interface EndpointerEvents {
  'speech-start': [SpeechStart];
  'speech-end': [SpeechEnd];
}

interface Settings {
  minSpeechFrames: number;
  endSilenceFrames: number;
  preRollFrames: number;
  maxUtteranceFrames: number;
}

/**
 * Frames of history kept for a start: the pre-roll, the confirming speech with its gaps, and a
 * short run before it. A start spread wider than this gets less pre-roll, never a wrong one.
 */
function ringFramesFor({ preRollFrames, minSpeechFrames, endSilenceFrames }: Settings): number {
  return preRollFrames + 2 * minSpeechFrames + endSilenceFrames;
}

/** Checks the options and turns durations into whole 20 ms frames (rounded up). */
function settingsFrom(options: EndpointerOptions): Settings {
  const frames = (name: keyof EndpointerOptions, value: number, min: number, max: number): number => {
    if (!Number.isFinite(value) || value < min || value > max) {
      throw new RangeError(`Endpointer: ${name} must be between ${min} and ${max} ms, got ${value}`);
    }
    return Math.ceil(value / FRAME_MS);
  };
  const { minSpeechMs = 250, endSilenceMs = 600, preRollMs = 300, maxUtteranceMs = 15_000 } = options;
  const settings = {
    // At least one frame: a 0 ms minimum would turn every VAD false positive into an utterance.
    minSpeechFrames: frames('minSpeechMs', minSpeechMs, FRAME_MS, 5_000),
    // At least one frame, or an utterance could never end on silence.
    endSilenceFrames: frames('endSilenceMs', endSilenceMs, FRAME_MS, 10_000),
    preRollFrames: frames('preRollMs', preRollMs, 0, 2_000),
    // The upper bound caps per-stream memory (120 s is 1.9 MB at 8 kHz).
    maxUtteranceFrames: frames('maxUtteranceMs', maxUtteranceMs, FRAME_MS, 120_000),
  };
  // The audio held back at a start (see ringFrames) must fit in one utterance, or every start
  // would be followed at once by a forced end.
  if (settings.maxUtteranceFrames <= ringFramesFor(settings)) {
    throw new RangeError('Endpointer: maxUtteranceMs must exceed preRollMs + 2 × minSpeechMs + endSilenceMs');
  }
  return settings;
}

export class Endpointer extends EventEmitter<EndpointerEvents> {
  readonly sampleRate: VadSampleRate;
  readonly frameSamples: number;
  private readonly settings: Settings;
  private readonly gate = new EnergyGate();

  /** The last ringFramesFor(settings) frames, oldest overwritten first. */
  private readonly ring: Int16Array;
  private readonly ringFrames: number;
  private utterance: Int16Array;
  private utteranceLength = 0; // samples

  private frameIndex = 0; // frames pushed so far
  private speaking = false;
  private speechRun = 0; // speech frames in the start being confirmed (0: none)
  private gapRun = 0; // non-speech frames since its last speech frame
  private idleSpeechEnd = -Infinity; // frame after the last speech frame heard while idle
  private silenceRun = 0; // consecutive non-speech frames while speaking
  private onsetFrame = 0;
  private audioStartFrame = 0;
  private lastSpeechFrame = 0; // index of the frame after the last speech frame
  /** Frame index where the previous utterance's audio stopped; pre-roll never reaches behind it. */
  private previousEndFrame = 0;

  /** Loads the WebRTC VAD (shared WASM module) and returns an endpointer that owns it. */
  static async create(options: EndpointerOptions): Promise<Endpointer> {
    settingsFrom(options); // fail on bad options before loading anything
    return new Endpointer(await Vad.create({ sampleRate: options.sampleRate, mode: options.mode }), options);
  }

  /** Takes ownership of `vad` (disposed with the endpointer); its sample rate must match. */
  constructor(private readonly vad: FrameClassifier, options: EndpointerOptions) {
    super();
    this.settings = settingsFrom(options);
    if (vad.sampleRate !== options.sampleRate) {
      throw new RangeError(`Endpointer: VAD runs at ${vad.sampleRate} Hz but sampleRate is ${options.sampleRate}`);
    }
    this.sampleRate = options.sampleRate;
    this.frameSamples = (options.sampleRate * FRAME_MS) / 1000;
    this.ringFrames = ringFramesFor(this.settings);
    this.ring = new Int16Array(this.ringFrames * this.frameSamples);
    const initialFrames = Math.min(INITIAL_UTTERANCE_MS / FRAME_MS, this.settings.maxUtteranceFrames);
    this.utterance = new Int16Array(initialFrames * this.frameSamples);
  }

  /** True between 'speech-start' and 'speech-end': the caller is talking (barge-in). */
  get isSpeaking(): boolean {
    return this.speaking;
  }

  /** Feeds one 20 ms frame (160 samples at 8 kHz, 320 at 16 kHz). Events fire synchronously. */
  push(frame: Int16Array): void {
    if (frame.length !== this.frameSamples) {
      throw new RangeError(`Endpointer: expected a ${this.frameSamples}-sample frame, got ${frame.length}`);
    }
    // Both always run: each keeps adapting its own noise estimate.
    const vadSaysSpeech = this.vad.isSpeech(frame);
    const voiced = this.gate.passes(frame) && vadSaysSpeech;
    const index = this.frameIndex++;
    this.ring.set(frame, (index % this.ringFrames) * this.frameSamples);

    if (!this.speaking) {
      if (voiced) {
        // A new run starts a new onset unless it follows a short run closely (see the top).
        const closeToEarlier = index - this.idleSpeechEnd < this.settings.endSilenceFrames;
        if (this.speechRun++ === 0 && !closeToEarlier) this.onsetFrame = index;
        this.idleSpeechEnd = index + 1;
        this.gapRun = 0;
        if (this.speechRun >= this.settings.minSpeechFrames) this.startUtterance();
      } else if (this.speechRun > 0 && ++this.gapRun > START_GAP_FRAMES) {
        this.speechRun = 0; // a click or a burst, not speech
      }
      return;
    }
    this.append(frame);
    if (voiced) {
      this.silenceRun = 0;
      this.lastSpeechFrame = index + 1;
    } else if (++this.silenceRun >= this.settings.endSilenceFrames) {
      this.endUtterance('silence');
      return;
    }
    if (this.utteranceLength >= this.settings.maxUtteranceFrames * this.frameSamples) this.endUtterance('max-length');
  }

  /** End of stream (hang-up): closes an utterance in progress, then resets for reuse. */
  end(): void {
    if (this.speaking) this.endUtterance('stream-end');
    this.frameIndex = this.previousEndFrame = this.speechRun = 0;
    this.idleSpeechEnd = -Infinity;
    this.vad.reset();
    this.gate.reset();
  }

  /** Frees the VAD. Drop the endpointer afterwards. */
  dispose(): void {
    this.vad.dispose();
    this.removeAllListeners();
  }

  private startUtterance(): void {
    const now = this.frameIndex;
    const onsetFrame = this.onsetFrame;
    // The ring holds frames [now - ringFrames, now); take the pre-roll from what it and the
    // previous utterance allow.
    const first = Math.max(onsetFrame - this.settings.preRollFrames, now - this.ringFrames, this.previousEndFrame, 0);
    this.utteranceLength = 0;
    for (let f = first; f < now; f++) {
      const at = (f % this.ringFrames) * this.frameSamples;
      this.append(this.ring.subarray(at, at + this.frameSamples));
    }
    this.speaking = true;
    this.speechRun = 0;
    this.silenceRun = 0;
    this.audioStartFrame = first;
    this.lastSpeechFrame = now;
    this.emit('speech-start', { onsetMs: onsetFrame * FRAME_MS, atMs: now * FRAME_MS });
  }

  private endUtterance(reason: EndReason): void {
    // Keep at most preRoll frames of the trailing non-speech: ASR needs a little, not 600 ms.
    const endFrame = Math.min(this.frameIndex, this.lastSpeechFrame + this.settings.preRollFrames);
    const audio = this.utterance.slice(0, (endFrame - this.audioStartFrame) * this.frameSamples);
    this.speaking = false;
    this.silenceRun = 0;
    this.idleSpeechEnd = -Infinity;
    this.previousEndFrame = endFrame;
    this.emit('speech-end', {
      onsetMs: this.onsetFrame * FRAME_MS,
      atMs: this.frameIndex * FRAME_MS,
      lastSpeechMs: this.lastSpeechFrame * FRAME_MS,
      audioStartMs: this.audioStartFrame * FRAME_MS,
      audio,
      reason,
    });
  }

  private append(frame: Int16Array): void {
    if (this.utteranceLength + frame.length > this.utterance.length) {
      const grown = new Int16Array(Math.min(2 * this.utterance.length, this.settings.maxUtteranceFrames * this.frameSamples));
      grown.set(this.utterance.subarray(0, this.utteranceLength));
      this.utterance = grown;
    }
    this.utterance.set(frame, this.utteranceLength);
    this.utteranceLength += frame.length;
  }
}
