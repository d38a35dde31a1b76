/**
 * WebRTC voice activity detection (libfvad compiled to WASM, `@echogarden/fvad-wasm`).
 *
 * One WASM module is loaded per process and shared: each `Vad` is an fvad instance inside it plus
 * its own frame buffer in the WASM heap, both allocated once at creation. Classifying a frame is a
 * copy into that buffer and one WASM call; nothing is allocated per frame.
 */

/** 0 = quality (flags most as speech) … 3 = very aggressive (fewest false positives on noise). */
export type VadMode = 0 | 1 | 2 | 3;
export type VadSampleRate = 8000 | 16000;

export interface VadOptions {
  sampleRate: VadSampleRate;
  /** Default 3: phone lines carry noise and echo, and a false barge-in costs more than a late one. */
  mode?: VadMode;
}

/** What the endpointer needs from a frame classifier (a `Vad`, or a later model-backed stage). */
export interface FrameClassifier {
  readonly sampleRate: number;
  isSpeech(frame: Int16Array): boolean;
  reset(): void;
  dispose(): void;
}

/** The parts of the Emscripten module (see fvad.js) that this file uses. */
interface FvadModule {
  HEAP16: Int16Array;
  _fvad_new(): number;
  _fvad_free(handle: number): void;
  _fvad_reset(handle: number): void;
  _fvad_set_mode(handle: number, mode: number): number;
  _fvad_set_sample_rate(handle: number, rate: number): number;
  _fvad_process(handle: number, framePtr: number, samples: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
}

/** 30 ms is libfvad's longest frame. */
const MAX_FRAME_MS = 30;

let modulePromise: Promise<FvadModule> | null = null;

/** The package is an ES module without types; a non-literal specifier keeps this file CommonJS. */
function loadModule(): Promise<FvadModule> {
  if (!modulePromise) {
    const specifier: string = '@echogarden/fvad-wasm';
    modulePromise = import(specifier).then((pkg: { default: () => Promise<FvadModule> }) => pkg.default());
    modulePromise.catch(() => (modulePromise = null)); // let a later call retry
  }
  return modulePromise;
}

/** Frees the WASM side of a `Vad` that was dropped without `dispose()`. */
const leaks = new FinalizationRegistry<{ wasm: FvadModule; handle: number; buffer: number }>(({ wasm, handle, buffer }) => {
  wasm._fvad_free(handle);
  wasm._free(buffer);
});

export class Vad implements FrameClassifier {
  readonly sampleRate: VadSampleRate;
  readonly mode: VadMode;
  private handle: number;
  private readonly bufferPtr: number;
  /** View of the frame buffer; rebuilt if the WASM memory grows (which detaches old views). */
  private buffer: Int16Array;
  private readonly validLengths: readonly number[];

  static async create(options: VadOptions): Promise<Vad> {
    return new Vad(await loadModule(), options);
  }

  private constructor(private readonly wasm: FvadModule, options: VadOptions) {
    const { sampleRate, mode = 3 } = options;
    if (sampleRate !== 8000 && sampleRate !== 16000) throw new RangeError(`Vad: sampleRate must be 8000 or 16000, got ${sampleRate}`);
    if (![0, 1, 2, 3].includes(mode)) throw new RangeError(`Vad: mode must be 0, 1, 2 or 3, got ${mode}`);
    this.sampleRate = sampleRate;
    this.mode = mode;
    this.validLengths = [10, 20, 30].map((ms) => (sampleRate * ms) / 1000);

    const handle = wasm._fvad_new();
    if (!handle) throw new Error('Vad: fvad_new failed (WASM out of memory)');
    const maxSamples = (sampleRate * MAX_FRAME_MS) / 1000;
    const bufferPtr = wasm._malloc(maxSamples * 2);
    if (!bufferPtr || wasm._fvad_set_sample_rate(handle, sampleRate) !== 0 || wasm._fvad_set_mode(handle, mode) !== 0) {
      wasm._fvad_free(handle);
      if (bufferPtr) wasm._free(bufferPtr);
      throw new Error('Vad: could not set up the fvad instance');
    }
    this.handle = handle;
    this.bufferPtr = bufferPtr;
    this.buffer = this.view();
    leaks.register(this, { wasm, handle, buffer: bufferPtr }, this);
  }

  /** Classifies one 10, 20 or 30 ms frame of 16-bit PCM at this VAD's sample rate. */
  isSpeech(frame: Int16Array): boolean {
    if (!this.handle) throw new Error('Vad: used after dispose()');
    const length = frame.length;
    if (length !== this.validLengths[0] && length !== this.validLengths[1] && length !== this.validLengths[2]) {
      throw new RangeError(`Vad: a frame at ${this.sampleRate} Hz must hold ${this.validLengths.join(', ')} samples, got ${length}`);
    }
    if (this.buffer.byteLength === 0) this.buffer = this.view(); // memory grew: the old view is detached
    this.buffer.set(frame);
    const result = this.wasm._fvad_process(this.handle, this.bufferPtr, length);
    if (result < 0) throw new Error(`Vad: fvad_process rejected a ${length}-sample frame`);
    return result === 1;
  }

  /** Forgets the adaptive noise estimate, keeping mode and sample rate (e.g. for a new call leg). */
  reset(): void {
    if (!this.handle) return;
    this.wasm._fvad_reset(this.handle);
    // fvad_reset also resets the settings to their defaults.
    this.wasm._fvad_set_sample_rate(this.handle, this.sampleRate);
    this.wasm._fvad_set_mode(this.handle, this.mode);
  }

  /** Frees the WASM memory; the shared module stays loaded. Safe to call twice. */
  dispose(): void {
    if (!this.handle) return;
    leaks.unregister(this);
    this.wasm._fvad_free(this.handle);
    this.wasm._free(this.bufferPtr);
    this.handle = 0;
  }

  private view(): Int16Array {
    return new Int16Array(this.wasm.HEAP16.buffer, this.bufferPtr, (this.sampleRate * MAX_FRAME_MS) / 1000);
  }
}
