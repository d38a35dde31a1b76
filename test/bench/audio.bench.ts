/**
 * Per-20 ms-frame cost of the audio hot paths. Run: npx tsx test/bench/audio.bench.ts
 * Uses the allocation-free entry points (caller-owned output buffers), as the media path does.
 */
import { mulawToPcm16, pcm16ToMulaw, StreamResampler } from '../../lib/audio';

const WARMUP_ITERATIONS = 20_000;
const ITERATIONS = 100_000;

function bench(name: string, runFrame: () => void): void {
  for (let i = 0; i < WARMUP_ITERATIONS; i++) runFrame();
  const start = process.hrtime.bigint();
  for (let i = 0; i < ITERATIONS; i++) runFrame();
  const nsPerFrame = Number(process.hrtime.bigint() - start) / ITERATIONS;
  console.log(`${name.padEnd(44)} ${nsPerFrame.toFixed(0).padStart(8)} ns/frame`);
}

/** A speech-band test signal so the resampler sees realistic, non-zero data. */
function frame(rate: number): Int16Array {
  const samples = new Int16Array(rate / 50);
  for (let i = 0; i < samples.length; i++) {
    samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate) + 2000 * Math.sin((2 * Math.PI * 1900 * i) / rate));
  }
  return samples;
}

const pcm8k = frame(8000); // 160 samples
const pcm16k = frame(16000); // 320 samples
const mulaw = new Uint8Array(160);
pcm16ToMulaw(pcm8k, mulaw);
const decoded = new Int16Array(160);
const encoded = new Uint8Array(160);

bench('μ-law decode, 160 bytes', () => mulawToPcm16(mulaw, decoded));
bench('μ-law encode, 160 samples', () => pcm16ToMulaw(pcm8k, encoded));

const upsampler = new StreamResampler(8000, 16000);
const upOut = new Int16Array(320);
bench('resample 8k→16k stream, 160 → 320 samples', () => upsampler.processInto(pcm8k, upOut));

const downsampler = new StreamResampler(16000, 8000);
const downOut = new Int16Array(160);
bench('resample 16k→8k stream, 320 → 160 samples', () => downsampler.processInto(pcm16k, downOut));

const allocatingUpsampler = new StreamResampler(8000, 16000);
bench('resample 8k→16k via process() (allocates)', () => allocatingUpsampler.process(pcm8k));
