import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  encodeWav,
  mulawDecodeSample,
  mulawEncodeSample,
  mulawToPcm16,
  parseWav,
  pcm16FromBytesLE,
  pcm16ToBytesLE,
  pcm16ToMulaw,
  resamplePcm16,
  StreamResampler,
} from '../lib/audio';

// ---------------------------------------------------------------- μ-law reference (classic Sun g711.c)

function referenceDecode(code: number): number {
  const u = ~code & 0xff;
  let t = ((u & 0x0f) << 3) + 0x84;
  t <<= (u & 0x70) >> 4;
  return u & 0x80 ? 0x84 - t : t - 0x84;
}

/** Encodes a 14-bit two's-complement sample: bias 33, segment search, invert. */
function referenceEncode14(sample14: number): number {
  const segmentEnds = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff];
  let value = sample14;
  let mask = 0xff;
  if (value < 0) {
    value = -value;
    mask = 0x7f;
  }
  if (value > 8159) value = 8159;
  value += 0x84 >> 2;
  let segment = 0;
  while (segment < 8 && value > segmentEnds[segment]) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  return ((segment << 4) | ((value >> (segment + 1)) & 0x0f)) ^ mask;
}

const referenceEncode = (pcm: number) => referenceEncode14(pcm >> 2); // truncate to 14 bits

const ALL_CODES = Uint8Array.from({ length: 256 }, (_, i) => i);
const ALL_PCM16 = Int16Array.from({ length: 65536 }, (_, i) => i - 32768);

test('μ-law decode matches the reference on all 256 codes', () => {
  const decoded = new Int16Array(256);
  assert.equal(mulawToPcm16(ALL_CODES, decoded), 256);
  for (let code = 0; code < 256; code++) {
    assert.equal(mulawDecodeSample(code), referenceDecode(code), `code 0x${code.toString(16)}`);
    assert.equal(decoded[code], referenceDecode(code), `code 0x${code.toString(16)}`);
  }
  assert.equal(mulawDecodeSample(0x00), -32124);
  assert.equal(mulawDecodeSample(0x80), 32124);
  assert.equal(mulawDecodeSample(0xff), 0);
});

test('μ-law encode matches the reference on all 65,536 inputs', () => {
  const encoded = new Uint8Array(65536);
  assert.equal(pcm16ToMulaw(ALL_PCM16, encoded), 65536);
  for (let i = 0; i < 65536; i++) {
    const pcm = ALL_PCM16[i];
    assert.equal(encoded[i], referenceEncode(pcm), `pcm ${pcm}`);
    assert.equal(mulawEncodeSample(pcm), encoded[i], `pcm ${pcm}`);
  }
  assert.equal(mulawEncodeSample(1e6), mulawEncodeSample(32767));
  assert.equal(mulawEncodeSample(-1e6), mulawEncodeSample(-32768));
});

test('μ-law buffer functions reject a short destination', () => {
  assert.throws(() => mulawToPcm16(new Uint8Array(160), new Int16Array(159)), RangeError);
  assert.throws(() => pcm16ToMulaw(new Int16Array(160), new Uint8Array(159)), RangeError);
});

const soxMissing = spawnSync('sox', ['--version']).error
  ? 'sox binary not found; install it (apt-get install -y sox) to run the sox cross-check'
  : false;

test('μ-law agrees with sox (which rounds to 14 bits instead of truncating)', { skip: soxMissing }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ulaw-sox-'));
  try {
    const path = (file: string) => join(dir, file);
    // -D: no dither, so sox's output is a pure function of each input sample.
    const sox = (...args: string[]) => execFileSync('sox', ['-D', ...args], { stdio: 'pipe' }); // quiet clip warning
    const rawIn = ['-t', 'raw', '-r', '8000', '-c', '1'];

    writeFileSync(path('codes.ulaw'), ALL_CODES);
    sox(...rawIn, '-e', 'u-law', '-b', '8', path('codes.ulaw'), '-t', 'raw', '-e', 'signed', '-b', '16', path('decoded.raw'));
    const soxDecoded = pcm16FromBytesLE(readFileSync(path('decoded.raw')));
    assert.equal(soxDecoded.length, 256);
    for (let code = 0; code < 256; code++) assert.equal(mulawDecodeSample(code), soxDecoded[code], `code ${code}`);

    writeFileSync(path('all.raw'), pcm16ToBytesLE(ALL_PCM16));
    sox(...rawIn, '-e', 'signed', '-b', '16', path('all.raw'), '-t', 'raw', '-e', 'u-law', '-b', '8', path('all.ulaw'));
    const soxEncoded = readFileSync(path('all.ulaw'));
    assert.equal(soxEncoded.length, 65536);

    // Inputs where rounding to 14 bits lands in a different quantization interval than truncating.
    const roundingSet: number[] = [];
    const disagreements: number[] = [];
    for (let i = 0; i < 65536; i++) {
      const pcm = ALL_PCM16[i];
      const ours = mulawEncodeSample(pcm);
      if (referenceEncode14(Math.min((pcm + 2) >> 2, 8191)) !== referenceEncode(pcm)) roundingSet.push(pcm);
      if (soxEncoded[i] !== ours) {
        disagreements.push(pcm);
        assert.equal(stepsApart(soxEncoded[i], ours), 1, `pcm ${pcm}: sox 0x${soxEncoded[i].toString(16)}, ours 0x${ours.toString(16)}`);
      }
    }
    assert.equal(roundingSet.length, 508);
    assert.deepEqual(disagreements, roundingSet);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** The 255 distinct reconstruction levels, ascending (codes 0xff and 0x7f both decode to 0). */
const LEVELS = [...new Set(Array.from(ALL_CODES, referenceDecode))].sort((a, b) => a - b);

/** Distance between two codes counted in quantization steps. */
function stepsApart(codeA: number, codeB: number): number {
  return Math.abs(LEVELS.indexOf(referenceDecode(codeA)) - LEVELS.indexOf(referenceDecode(codeB)));
}

// ---------------------------------------------------------------- resampler

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

// ---------------------------------------------------------------- WAV and PCM bytes

test('WAV encode → parse round trip', () => {
  const samples = Int16Array.from([0, 1, -1, 32767, -32768, 1234, -4321]);
  const wav = encodeWav(samples, 8000);
  assert.equal(wav.length, 44 + samples.length * 2);
  assert.deepEqual(parseWav(wav), { sampleRate: 8000, channels: 1, samples });
});

test('WAV with a LIST chunk (odd size, padded) before data', () => {
  const samples = Int16Array.from([10, -20, 30]);
  const plain = encodeWav(samples, 22050);
  const list = Buffer.concat([Buffer.from('LIST'), u32(5), Buffer.from('INFOx'), Buffer.from([0])]);
  const withList = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);
  withList.writeUInt32LE(withList.length - 8, 4);
  assert.deepEqual(parseWav(withList), { sampleRate: 22050, channels: 1, samples });
});

test('WAV with a streaming data size (0 or 0xFFFFFFFF) takes the rest of the file', () => {
  const samples = Int16Array.from([5, 6, 7, 8]);
  for (const placeholder of [0, 0xffffffff]) {
    const wav = Buffer.concat([encodeWav(samples, 22050), Buffer.from([0x99])]); // stray odd byte
    wav.writeUInt32LE(placeholder, 40);
    wav.writeUInt32LE(placeholder, 4);
    assert.deepEqual(parseWav(wav).samples, samples);
  }
});

test('parseWav rejects what it cannot decode', () => {
  const wav = encodeWav(Int16Array.from([1, 2]), 8000);
  const withFormat = (offset: number, value: number) => {
    const copy = Buffer.from(wav);
    copy.writeUInt16LE(value, offset);
    return copy;
  };
  assert.throws(() => parseWav(Buffer.from('not a wav file at all')), /not a RIFF\/WAVE/);
  assert.throws(() => parseWav(withFormat(20, 3)), /format tag 0x3/); // IEEE float
  assert.throws(() => parseWav(withFormat(34, 8)), /8-bit/);
  assert.throws(() => parseWav(wav.subarray(0, 36)), /no data chunk/);
});

test('PCM16 byte conversion is little-endian, offset-independent and rejects odd lengths', () => {
  const backing = Buffer.from([0xaa, 0x34, 0x12, 0xff, 0xff, 0x00, 0x80]);
  const unaligned = backing.subarray(1); // odd byteOffset
  assert.deepEqual(pcm16FromBytesLE(unaligned), Int16Array.from([0x1234, -1, -32768]));
  assert.throws(() => pcm16FromBytesLE(backing), RangeError);
  assert.throws(() => pcm16FromBytesLE(new Uint8Array(3)), RangeError);

  const samples = Int16Array.from([0, 0x1234, -2]).subarray(1);
  assert.deepEqual([...pcm16ToBytesLE(samples)], [0x34, 0x12, 0xfe, 0xff]);
});

function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value);
  return b;
}
