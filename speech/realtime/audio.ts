// Caller audio ↔ Realtime audio for the media-stream bridge. Twilio's 8 kHz μ-law is exactly what
// the Realtime API calls audio/pcmu, so it passes through untouched. Exotel streams PCM16 LE
// (8 kHz unless asked otherwise) and the API's only PCM rate is 24 kHz, so that audio is resampled
// up on the way in and down on the way out, one converter per call so the filters stay seamless.
import { pcm16FromBytesLE, pcm16ToBytesLE, readPcm16LE, StreamResampler } from '../../lib/audio';
import type { RealtimeAudioFormat } from './protocol';

const REALTIME_PCM_RATE = 24_000;

/** What the caller's line carries (see providers/media-stream.ts). */
export interface LineAudio {
  encoding: 'mulaw' | 'pcm16';
  sampleRate: number;
}

export interface RealtimeAudioConverter {
  /** The session format to ask for in session.update. */
  readonly format: RealtimeAudioFormat;
  /** One inbound frame as the provider sent it → base64 for input_audio_buffer.append. */
  toRealtime(lineAudio: Buffer): string;
  /** The same as bytes, so frames that arrive together can be joined before the one base64 encoding. */
  toRealtimeBytes(lineAudio: Buffer): Buffer;
  /** One response.output_audio.delta → bytes in the line's encoding and rate. */
  fromRealtime(deltaBase64: string): Buffer;
}

export function audioConverterFor(line: LineAudio): RealtimeAudioConverter {
  if (line.encoding === 'mulaw') {
    if (line.sampleRate !== 8000) throw new RangeError(`μ-law lines run at 8000 Hz, got ${line.sampleRate}`);
    return mulawPassThrough;
  }
  return new PcmConverter(line.sampleRate);
}

/** How long `byteLength` bytes of Realtime audio play: the truncate point after a barge-in. */
export function realtimeAudioMs(format: RealtimeAudioFormat, byteLength: number): number {
  const bytesPerMs = format === 'pcmu' ? 8 : (REALTIME_PCM_RATE / 1000) * 2;
  return byteLength / bytesPerMs;
}

const mulawPassThrough: RealtimeAudioConverter = {
  format: 'pcmu',
  toRealtime: (lineAudio) => lineAudio.toString('base64'),
  toRealtimeBytes: (lineAudio) => lineAudio,
  fromRealtime: (deltaBase64) => Buffer.from(deltaBase64, 'base64'),
};

class PcmConverter implements RealtimeAudioConverter {
  readonly format = 'pcm24k' as const;
  private readonly up: StreamResampler;
  private readonly down: StreamResampler;
  /** A delta may end mid-sample; its last byte waits for the next delta. */
  private oddByte: number | undefined;
  /** Per-frame working memory, reused (grown if a frame is larger): one allocation per frame, its output. */
  private lineSamples = new Int16Array(480);
  private upSamples = new Int16Array(1440);

  constructor(lineRate: number) {
    this.up = new StreamResampler(lineRate, REALTIME_PCM_RATE);
    this.down = new StreamResampler(REALTIME_PCM_RATE, lineRate);
  }

  toRealtime(lineAudio: Buffer): string {
    return this.toRealtimeBytes(lineAudio).toString('base64');
  }

  toRealtimeBytes(lineAudio: Buffer): Buffer {
    // Provider frames are whole samples; an odd trailing byte is a broken frame, dropped here.
    const count = lineAudio.length >> 1;
    if (this.lineSamples.length < count) this.lineSamples = new Int16Array(count);
    readPcm16LE(lineAudio, this.lineSamples);
    const needed = this.up.outputLengthFor(count);
    if (this.upSamples.length < needed) this.upSamples = new Int16Array(needed);
    const written = this.up.processInto(this.lineSamples.subarray(0, count), this.upSamples);
    return pcm16ToBytesLE(this.upSamples.subarray(0, written));
  }

  fromRealtime(deltaBase64: string): Buffer {
    let bytes = Buffer.from(deltaBase64, 'base64');
    if (this.oddByte !== undefined) {
      bytes = Buffer.concat([Buffer.of(this.oddByte), bytes]);
      this.oddByte = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.oddByte = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    return pcm16ToBytesLE(this.down.process(pcm16FromBytesLE(bytes)));
  }
}
