// Audio in the two session formats the fake speaks (audio/pcmu, audio/pcm at 24 kHz), and the
// voice it "speaks" when a script gives only text: a buzz with harmonics whose loudness rises and
// falls at syllable rate, loud enough for any VAD downstream to call it speech.
import { mulawToPcm16, pcm16FromBytesLE, pcm16ToBytesLE, pcm16ToMulaw, resamplePcm16 } from '../../../lib/audio';

export type WireFormat = { type: 'audio/pcmu' } | { type: 'audio/pcm'; rate?: 24000 };

export function sampleRateOf(format: WireFormat): number {
  return format.type === 'audio/pcmu' ? 8000 : 24000;
}

export function bytesPerMs(format: WireFormat): number {
  return format.type === 'audio/pcmu' ? 8 : 48;
}

/** input_audio_buffer.append bytes → samples at the format's rate. */
export function decodeInput(bytes: Buffer, format: WireFormat): Int16Array {
  if (format.type === 'audio/pcmu') {
    const samples = new Int16Array(bytes.length);
    mulawToPcm16(bytes, samples);
    return samples;
  }
  return pcm16FromBytesLE(bytes.subarray(0, bytes.length & ~1));
}

/** Samples at `sampleRate` → bytes in the session's output format. */
export function encodeOutput(samples: Int16Array, sampleRate: number, format: WireFormat): Buffer {
  const rate = sampleRateOf(format);
  const atRate = sampleRate === rate ? samples : resamplePcm16(samples, sampleRate, rate);
  if (format.type === 'audio/pcm') return pcm16ToBytesLE(atRate);
  const bytes = Buffer.alloc(atRate.length);
  pcm16ToMulaw(atRate, bytes);
  return bytes;
}

/** `ms` of a voice-like signal at 24 kHz. */
export function syntheticVoice(ms: number, sampleRate = 24000): Int16Array {
  const samples = new Int16Array(Math.round((sampleRate * ms) / 1000));
  for (let i = 0; i < samples.length; i++) {
    const t = i / sampleRate;
    const syllable = 0.55 + 0.45 * Math.sin(2 * Math.PI * 4 * t); // ~4 syllables a second
    const buzz = Math.sin(2 * Math.PI * 180 * t) + 0.5 * Math.sin(2 * Math.PI * 360 * t) + 0.25 * Math.sin(2 * Math.PI * 720 * t);
    samples[i] = Math.round(6000 * syllable * buzz);
  }
  return samples;
}
