// Line audio ↔ Realtime audio: μ-law passes through byte for byte; PCM16 8 kHz becomes 24 kHz and
// back with the right lengths and the signal intact.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pcm16FromBytesLE, pcm16ToBytesLE } from '../../lib/audio';
import { audioConverterFor, realtimeAudioMs } from './audio';

function tone(ms: number, sampleRate: number, hz = 440, amplitude = 8000): Int16Array {
  const samples = new Int16Array(Math.round((sampleRate * ms) / 1000));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate));
  return samples;
}

const rms = (s: Int16Array) => Math.sqrt(s.reduce((sum, x) => sum + x * x, 0) / s.length);

/** Sends `samples` as 20 ms line frames, as the provider would; returns the Realtime bytes. */
function upstream(converter: ReturnType<typeof audioConverterFor>, samples: Int16Array, sampleRate: number): Buffer[] {
  const frame = sampleRate / 50;
  const out: Buffer[] = [];
  for (let i = 0; i < samples.length; i += frame) out.push(Buffer.from(converter.toRealtime(pcm16ToBytesLE(samples.subarray(i, i + frame))), 'base64'));
  return out;
}

describe('μ-law lines (Twilio)', () => {
  test('pass through untouched both ways, as audio/pcmu', () => {
    const converter = audioConverterFor({ encoding: 'mulaw', sampleRate: 8000 });
    assert.equal(converter.format, 'pcmu');
    const frame = Buffer.from(Array.from({ length: 160 }, (_, i) => (i * 37) & 0xff));
    assert.equal(converter.toRealtime(frame), frame.toString('base64'));
    assert.deepEqual(converter.fromRealtime(frame.toString('base64')), frame);
  });

  test('μ-law at another rate is refused (there is no such line)', () => {
    assert.throws(() => audioConverterFor({ encoding: 'mulaw', sampleRate: 16000 }), /8000/);
  });
});

describe('PCM16 lines (Exotel)', () => {
  test('a 20 ms frame at 8 kHz becomes 20 ms at 24 kHz: 320 bytes in, 960 out', () => {
    const converter = audioConverterFor({ encoding: 'pcm16', sampleRate: 8000 });
    assert.equal(converter.format, 'pcm24k');
    const chunks = upstream(converter, tone(1000, 8000), 8000);
    assert.equal(chunks.length, 50);
    for (const chunk of chunks) assert.equal(chunk.length, 960);
  });

  test('8 kHz → 24 kHz → 8 kHz keeps the signal: same length, same level, small error after the filter delay', () => {
    const converter = audioConverterFor({ encoding: 'pcm16', sampleRate: 8000 });
    const original = tone(1000, 8000);
    const up = Buffer.concat(upstream(converter, original, 8000));
    const at24k = pcm16FromBytesLE(up);
    // Skip the filter's start-up before comparing levels.
    assert.ok(Math.abs(20 * Math.log10(rms(at24k.subarray(600)) / rms(original))) < 0.5, 'upsampled level within 0.5 dB');

    // Back down in deltas of odd sizes, as a server may cut them.
    const back: Buffer[] = [];
    for (let i = 0; i < up.length; i += 4801) back.push(converter.fromRealtime(up.subarray(i, i + 4801).toString('base64')));
    const returned = pcm16FromBytesLE(Buffer.concat(back));
    assert.ok(Math.abs(returned.length - original.length) <= 1, `length ${returned.length} vs ${original.length}`);

    // Find the round trip's delay (two filters, a few ms), then compare sample by sample.
    let best = { lag: -1, error: Infinity };
    for (let lag = 0; lag < 120; lag++) {
      let error = 0;
      for (let i = 200; i < 7000; i++) error += (returned[i + lag] - original[i]) ** 2;
      if (error < best.error) best = { lag, error };
    }
    const snrDb = 10 * Math.log10((rms(original) ** 2 * 6800) / best.error);
    assert.ok(best.lag > 0 && best.lag <= 80, `delay ${best.lag} samples`);
    assert.ok(snrDb > 40, `round trip SNR ${snrDb.toFixed(1)} dB`);
  });

  test('deltas split mid-sample give the same audio as whole deltas', () => {
    const whole = audioConverterFor({ encoding: 'pcm16', sampleRate: 8000 });
    const split = audioConverterFor({ encoding: 'pcm16', sampleRate: 8000 });
    const delta = pcm16ToBytesLE(tone(300, 24000, 300));
    const expected = whole.fromRealtime(delta.toString('base64'));
    const pieces = [delta.subarray(0, 1001), delta.subarray(1001, 3333), delta.subarray(3333)].map((piece) => split.fromRealtime(piece.toString('base64')));
    assert.deepEqual(Buffer.concat(pieces), expected);
    assert.equal(expected.length, 2 * 2400); // 300 ms at 8 kHz
  });

  test('a 24 kHz line needs no resampling', () => {
    const converter = audioConverterFor({ encoding: 'pcm16', sampleRate: 24000 });
    const frame = pcm16ToBytesLE(tone(20, 24000));
    assert.equal(converter.toRealtime(frame), frame.toString('base64'));
  });
});

test('realtimeAudioMs: 8 bytes per ms for μ-law, 48 for PCM 24 kHz', () => {
  assert.equal(realtimeAudioMs('pcmu', 8000), 1000);
  assert.equal(realtimeAudioMs('pcm24k', 48000), 1000);
  assert.equal(realtimeAudioMs('pcm24k', 960), 20);
});
