import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resamplePcm16, StreamResampler } from './resample';

function sine(frequency: number, rate: number, seconds: number, amplitude = 10000): Int16Array {
  const out = new Int16Array(Math.round(rate * seconds));
  for (let i = 0; i < out.length; i++) out[i] = Math.round(amplitude * Math.sin((2 * Math.PI * frequency * i) / rate + 0.3));
  return out;
}

/** RMS over the middle 80%, away from the edges where the filter sees the implicit silence. */
function middleRms(samples: Int16Array): number {
  const middle = samples.subarray(Math.floor(samples.length * 0.1), Math.floor(samples.length * 0.9));
  return Math.sqrt(middle.reduce((sum, s) => sum + s * s, 0) / middle.length);
}

const decibels = (ratio: number) => 20 * Math.log10(ratio);

test('1 kHz at 16 kHz → 8 kHz keeps amplitude (±1 dB) and frequency', () => {
  const input = sine(1000, 16000, 1);
  const output = resamplePcm16(input, 16000, 8000);
  assert.equal(output.length, 8000);
  assert.ok(Math.abs(decibels(middleRms(output) / middleRms(input))) < 1);

  const middle = output.subarray(800, 7200); // 0.8 s → 800 cycles
  let upwardCrossings = 0;
  for (let i = 1; i < middle.length; i++) if (middle[i - 1] < 0 && middle[i] >= 0) upwardCrossings++;
  assert.ok(Math.abs(upwardCrossings - 800) <= 1, `${upwardCrossings} upward zero crossings`);
});

test('5 kHz at 16 kHz → 8 kHz is removed, not aliased to 3 kHz', () => {
  const input = sine(5000, 16000, 1);
  const output = resamplePcm16(input, 16000, 8000);
  // The requirement is 40 dB; the filter is designed for ~80 dB, so 60 dB catches regressions.
  assert.ok(decibels(middleRms(output) / middleRms(input)) < -60);
});

test('500 Hz 8 kHz → 16 kHz → 8 kHz round trip has low error', () => {
  const input = sine(500, 8000, 1);
  const roundTrip = resamplePcm16(resamplePcm16(input, 8000, 16000), 16000, 8000);
  assert.equal(roundTrip.length, input.length);
  const error = roundTrip.map((s, i) => s - input[i]);
  const snr = decibels(middleRms(input) / middleRms(error));
  assert.ok(snr > 60, `round-trip SNR ${snr.toFixed(1)} dB`);
});

test('streaming in 20 ms frames equals the one-shot result, delayed by the filter latency', () => {
  const speechLike = (rate: number) => {
    const a = sine(300, rate, 0.5, 6000);
    const b = sine(2100, rate, 0.5, 3000);
    return a.map((s, i) => s + b[i]);
  };
  for (const [fromRate, toRate] of [[8000, 16000], [16000, 8000], [22050, 8000], [8000, 22050], [24000, 16000]]) {
    const input = speechLike(fromRate);
    const oneShot = resamplePcm16(input, fromRate, toRate);
    const resampler = new StreamResampler(fromRate, toRate);
    const frameIn = fromRate / 50;
    const frames: Int16Array[] = [];
    for (let at = 0; at < input.length; at += frameIn) {
      const frame = resampler.process(input.subarray(at, at + frameIn));
      if (Number.isInteger(frameIn)) assert.equal(frame.length, toRate / 50, `${fromRate}→${toRate} frame size`);
      frames.push(frame);
    }
    frames.push(resampler.flush());
    const streamed = concat(frames);
    assert.equal(streamed.length, oneShot.length + resampler.delay);
    assert.deepEqual(streamed.subarray(resampler.delay), oneShot, `${fromRate}→${toRate}`);
  }
});

test('streaming handles odd chunk sizes and equal rates', () => {
  const input = sine(700, 22050, 0.3);
  const oneShot = resamplePcm16(input, 22050, 16000);
  const resampler = new StreamResampler(22050, 16000);
  const pieces: Int16Array[] = [];
  for (let at = 0, size = 1; at < input.length; at += size, size = (size * 7 + 3) % 613) {
    pieces.push(resampler.process(input.subarray(at, at + size)));
  }
  pieces.push(resampler.flush());
  assert.deepEqual(concat(pieces).subarray(resampler.delay), oneShot);

  assert.deepEqual(resamplePcm16(input, 16000, 16000), input);
  assert.throws(() => new StreamResampler(8000, 0), RangeError);
});

function concat(parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
