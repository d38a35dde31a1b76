import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mulawDecodeSample, mulawEncodeSample, mulawToPcm16, pcm16ToMulaw } from './g711';
import { pcm16FromBytesLE, pcm16ToBytesLE } from './wav';

// μ-law reference (classic Sun g711.c)

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
