/**
 * Band-limited PCM16 mono resampling for any pair of integer rates (ratio up/down reduced by gcd).
 *
 * Filter: Kaiser-windowed sinc (β = 8, ≈80 dB stopband) spanning 32 zero crossings of the
 * lower rate on each side; cutoff 0.46 × the lower rate, so the passband is flat (±0.02 dB) to
 * 3.4 kHz at 8 kHz and the stopband starts at the lower Nyquist. It is tabulated once per rate
 * pair as one row of taps per output phase (polyphase), so each output sample is one dot product.
 */

const ZERO_CROSSINGS = 32;
const CUTOFF_OF_LOWER_RATE = 0.46;
const KAISER_BETA = 8;

interface FilterBank {
  up: number; // L: output samples per `down` input samples
  down: number; // M
  taps: number; // per phase, = 2 × halfTaps, a multiple of 4
  halfTaps: number; // kernel half-width in input samples
  coeffs: Float64Array; // `up` rows of `taps` coefficients
}

const filterBankCache = new Map<string, FilterBank>();

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const quarterSquare = (x * x) / 4;
  for (let k = 1; term > sum * 1e-12; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
  }
  return sum;
}

function designFilterBank(fromRate: number, toRate: number): FilterBank {
  const key = `${fromRate}:${toRate}`;
  const cached = filterBankCache.get(key);
  if (cached) return cached;

  const divisor = gcd(fromRate, toRate);
  const up = toRate / divisor;
  const down = fromRate / divisor;
  const lowerRate = Math.min(fromRate, toRate);
  // Downsampling narrows the cutoff relative to the input rate, so the kernel widens to match.
  // Rounded up to even so the tap count is a multiple of 4 (see the unrolled dot products below).
  const halfTaps = 2 * Math.ceil((ZERO_CROSSINGS * fromRate) / lowerRate / 2);
  const taps = 2 * halfTaps;
  const cutoff = (CUTOFF_OF_LOWER_RATE * lowerRate) / fromRate; // cycles per input sample
  const windowNorm = besselI0(KAISER_BETA);

  const coeffs = new Float64Array(up * taps);
  for (let phase = 0; phase < up; phase++) {
    const row = phase * taps;
    let rowSum = 0;
    for (let tap = 0; tap < taps; tap++) {
      // Distance in input samples from the output instant to this tap's input sample.
      const t = phase / up - tap + halfTaps - 1;
      const x = 2 * cutoff * t;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = t / halfTaps;
      const window = r * r < 1 ? besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / windowNorm : 0;
      const value = sinc * window;
      coeffs[row + tap] = value;
      rowSum += value;
    }
    // Unit gain at DC for every phase (removes a small phase-dependent ripple).
    for (let tap = 0; tap < taps; tap++) coeffs[row + tap] /= rowSum;
  }
  const bank = { up, down, taps, halfTaps, coeffs };
  filterBankCache.set(key, bank);
  return bank;
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate <= 0) throw new RangeError(`${name} must be a positive integer, got ${rate}`);
}

/**
 * Streaming resampler: feed chunks of any size (e.g. 20 ms frames); filter history is kept between
 * calls, so the output is seamless. Each call returns exactly the output samples whose time falls
 * inside the input received so far (160 in → 320 out for 8k→16k), delayed by `delay` output
 * samples of filter latency. Call `flush()` at end of stream to get the last `delay` samples.
 */
export class StreamResampler {
  /** Output samples by which the output lags the input (≈4 ms: 32 at 8 kHz, 64 at 16 kHz). */
  readonly delay: number;
  private readonly bank: FilterBank | null; // null when the rates are equal (pass-through)
  /** Input samples as doubles (the fastest dot product in V8); history[0] is the next output's first tap. */
  private history = new Float64Array(0);
  private historyLength = 0;
  private phase = 0; // fractional input position of the next output, in units of 1/up
  /** inputs received × up − outputs emitted × down; an output is due while this is positive. */
  private credit = 0;

  constructor(readonly fromRate: number, readonly toRate: number) {
    checkRate('fromRate', fromRate);
    checkRate('toRate', toRate);
    this.bank = fromRate === toRate ? null : designFilterBank(fromRate, toRate);
    // Smallest latency for which every due output already has all its input taps.
    this.delay = this.bank ? Math.ceil((this.bank.halfTaps * this.bank.up) / this.bank.down) : 0;
    this.reset();
  }

  /** Forgets all input; the next chunk starts a new stream. */
  reset(): void {
    this.credit = 0;
    this.historyLength = 0;
    if (!this.bank) return;
    const { up, down, halfTaps } = this.bank;
    // Output 0 sits `delay` outputs before input 0; the inputs before 0 it reaches are silence.
    const position = -this.delay * down; // in units of 1/up input samples
    const inputIndex = Math.floor(position / up);
    this.phase = position - inputIndex * up;
    this.append(null, halfTaps - 1 - inputIndex);
  }

  /** Exact number of samples the next `process(chunk)` of this length will return. */
  outputLengthFor(inputLength: number): number {
    if (!this.bank) return inputLength;
    const credit = this.credit + inputLength * this.bank.up;
    return credit > 0 ? Math.ceil(credit / this.bank.down) : 0;
  }

  process(chunk: Int16Array): Int16Array {
    const out = new Int16Array(this.outputLengthFor(chunk.length));
    this.processInto(chunk, out);
    return out;
  }

  /** Allocation-free form of `process` (after the first call): writes into `dst`, returns the count. */
  processInto(chunk: Int16Array, dst: Int16Array): number {
    const needed = this.outputLengthFor(chunk.length);
    if (dst.length < needed) throw new RangeError(`StreamResampler: dst holds ${dst.length} samples, need ${needed}`);
    if (!this.bank) {
      dst.set(chunk);
      return chunk.length;
    }
    this.append(chunk, chunk.length);
    this.credit += chunk.length * this.bank.up;
    return this.emit(dst);
  }

  /** Ends the stream: returns the final `delay` samples still inside the filter, then resets. */
  flush(): Int16Array {
    const out = new Int16Array(this.delay);
    this.flushInto(out);
    return out;
  }

  flushInto(dst: Int16Array): number {
    if (!this.bank) return 0;
    if (dst.length < this.delay) throw new RangeError(`StreamResampler: dst holds ${dst.length} samples, need ${this.delay}`);
    // Silence after the end supplies the look-ahead taps of the last `delay` outputs.
    this.append(null, this.bank.halfTaps);
    this.credit += this.delay * this.bank.down;
    const written = this.emit(dst);
    this.reset();
    return written;
  }

  private emit(dst: Int16Array): number {
    const { up, down, taps, coeffs } = this.bank!;
    const history = this.history;
    const historyLength = this.historyLength;
    const wholeStep = Math.floor(down / up);
    const phaseStep = down - wholeStep * up;
    let { phase, credit } = this;
    let tapStart = 0;
    let written = 0;
    while (credit > 0 && tapStart + taps <= historyLength) {
      // Outputs that share an input window (upsampling) or a filter row (downsampling by a whole
      // factor) are computed together, so each value loaded serves two or three dot products.
      if (wholeStep === 0 && phase + 2 * phaseStep < up && credit > 2 * down) {
        dot3SameWindow(history, tapStart, coeffs, phase * taps, (phase + phaseStep) * taps, (phase + 2 * phaseStep) * taps, taps, dst, written);
        written += 3;
        credit -= 3 * down;
        phase += 2 * phaseStep;
      } else if (wholeStep === 0 && phase + phaseStep < up && credit > down) {
        dot2SameWindow(history, tapStart, coeffs, phase * taps, (phase + phaseStep) * taps, taps, dst, written);
        written += 2;
        credit -= 2 * down;
        phase += phaseStep;
      } else if (phaseStep === 0 && credit > down && tapStart + wholeStep + taps <= historyLength) {
        dot2SameRow(history, tapStart, tapStart + wholeStep, coeffs, phase * taps, taps, dst, written);
        written += 2;
        credit -= 2 * down;
        tapStart += wholeStep;
      } else {
        dst[written++] = dot(history, tapStart, coeffs, phase * taps, taps);
        credit -= down;
      }
      // Step from the last output written to the next one's window and phase.
      tapStart += wholeStep;
      phase += phaseStep;
      if (phase >= up) {
        phase -= up;
        tapStart++;
      }
    }
    // Drop input no future output can reach.
    history.copyWithin(0, tapStart, historyLength);
    this.historyLength -= tapStart;
    this.phase = phase;
    this.credit = credit;
    return written;
  }

  /** Appends `chunk`, or `length` zeros when chunk is null. */
  private append(chunk: Int16Array | null, length: number): void {
    this.ensureCapacity(this.historyLength + length);
    if (chunk) this.history.set(chunk, this.historyLength);
    else this.history.fill(0, this.historyLength, this.historyLength + length);
    this.historyLength += length;
  }

  private ensureCapacity(length: number): void {
    if (this.history.length >= length) return;
    const grown = new Float64Array(Math.max(length, 2 * this.history.length));
    grown.set(this.history.subarray(0, this.historyLength));
    this.history = grown;
  }
}

/**
 * Resamples a whole signal. The filter delay is compensated, so output sample n is at input time
 * n × fromRate / toRate; the output has ceil(input.length × toRate / fromRate) samples.
 */
export function resamplePcm16(input: Int16Array, fromRate: number, toRate: number): Int16Array {
  const resampler = new StreamResampler(fromRate, toRate);
  const mainLength = resampler.outputLengthFor(input.length);
  const out = new Int16Array(mainLength + resampler.delay);
  const written = resampler.processInto(input, out);
  resampler.flushInto(out.subarray(written));
  return out.slice(resampler.delay);
}

// The dot products: four independent sums per output break the floating-point add dependency
// chain, and every output is summed the same way (taps k ≡ 0, 1, 2, 3 mod 4, added in that order)
// whichever of these computes it, so grouping outputs changes no sample. They are written out one
// by one on purpose: a loop over the group would keep the sums in memory, not registers.

function toPcm16(sum: number): number {
  const sample = Math.round(sum);
  return sample > 32767 ? 32767 : sample < -32768 ? -32768 : sample;
}

function dot(history: Float64Array, start: number, coeffs: Float64Array, row: number, taps: number): number {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  for (let k = 0; k < taps; k += 4) {
    a0 += history[start + k] * coeffs[row + k];
    a1 += history[start + k + 1] * coeffs[row + k + 1];
    a2 += history[start + k + 2] * coeffs[row + k + 2];
    a3 += history[start + k + 3] * coeffs[row + k + 3];
  }
  return toPcm16(a0 + a1 + a2 + a3);
}

/** Two outputs over one input window (two phases of an upsampler). */
function dot2SameWindow(history: Float64Array, start: number, coeffs: Float64Array, rowA: number, rowB: number, taps: number, dst: Int16Array, at: number): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (let k = 0; k < taps; k += 4) {
    const h0 = history[start + k], h1 = history[start + k + 1], h2 = history[start + k + 2], h3 = history[start + k + 3];
    a0 += h0 * coeffs[rowA + k];
    a1 += h1 * coeffs[rowA + k + 1];
    a2 += h2 * coeffs[rowA + k + 2];
    a3 += h3 * coeffs[rowA + k + 3];
    b0 += h0 * coeffs[rowB + k];
    b1 += h1 * coeffs[rowB + k + 1];
    b2 += h2 * coeffs[rowB + k + 2];
    b3 += h3 * coeffs[rowB + k + 3];
  }
  dst[at] = toPcm16(a0 + a1 + a2 + a3);
  dst[at + 1] = toPcm16(b0 + b1 + b2 + b3);
}

/** Three outputs over one input window (8 → 24 kHz: every input sample's three phases). */
function dot3SameWindow(history: Float64Array, start: number, coeffs: Float64Array, rowA: number, rowB: number, rowC: number, taps: number, dst: Int16Array, at: number): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0, c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  for (let k = 0; k < taps; k += 4) {
    const h0 = history[start + k], h1 = history[start + k + 1], h2 = history[start + k + 2], h3 = history[start + k + 3];
    a0 += h0 * coeffs[rowA + k];
    a1 += h1 * coeffs[rowA + k + 1];
    a2 += h2 * coeffs[rowA + k + 2];
    a3 += h3 * coeffs[rowA + k + 3];
    b0 += h0 * coeffs[rowB + k];
    b1 += h1 * coeffs[rowB + k + 1];
    b2 += h2 * coeffs[rowB + k + 2];
    b3 += h3 * coeffs[rowB + k + 3];
    c0 += h0 * coeffs[rowC + k];
    c1 += h1 * coeffs[rowC + k + 1];
    c2 += h2 * coeffs[rowC + k + 2];
    c3 += h3 * coeffs[rowC + k + 3];
  }
  dst[at] = toPcm16(a0 + a1 + a2 + a3);
  dst[at + 1] = toPcm16(b0 + b1 + b2 + b3);
  dst[at + 2] = toPcm16(c0 + c1 + c2 + c3);
}

/** Two consecutive outputs of one filter row (downsampling by a whole factor: 24 → 8 kHz). */
function dot2SameRow(history: Float64Array, startA: number, startB: number, coeffs: Float64Array, row: number, taps: number, dst: Int16Array, at: number): void {
  let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
  for (let k = 0; k < taps; k += 4) {
    const c0 = coeffs[row + k], c1 = coeffs[row + k + 1], c2 = coeffs[row + k + 2], c3 = coeffs[row + k + 3];
    a0 += history[startA + k] * c0;
    a1 += history[startA + k + 1] * c1;
    a2 += history[startA + k + 2] * c2;
    a3 += history[startA + k + 3] * c3;
    b0 += history[startB + k] * c0;
    b1 += history[startB + k + 1] * c1;
    b2 += history[startB + k + 2] * c2;
    b3 += history[startB + k + 3] * c3;
  }
  dst[at] = toPcm16(a0 + a1 + a2 + a3);
  dst[at + 1] = toPcm16(b0 + b1 + b2 + b3);
}
