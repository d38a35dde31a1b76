/** Minimal RIFF/WAVE support for 16-bit PCM, plus little-endian PCM16 byte conversion. */

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** espeak-ng and other streaming writers cannot seek back to fill in sizes. */
const STREAMING_SIZES = new Set([0, 0xffffffff]);

const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export interface WavAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved when channels > 1. */
  samples: Int16Array;
}

/** Copies little-endian PCM16 bytes into a new Int16Array; works at any byteOffset. */
export function pcm16FromBytesLE(buf: Buffer | Uint8Array): Int16Array {
  if (buf.length % 2 !== 0) throw new RangeError(`PCM16 data must have an even byte length, got ${buf.length}`);
  const samples = new Int16Array(buf.length / 2);
  readPcm16LE(buf, samples);
  return samples;
}

/** Allocation-free form for the media path: decodes into `dst`, returns the sample count. */
export function readPcm16LE(buf: Buffer | Uint8Array, dst: Int16Array): number {
  const count = buf.length >> 1;
  if (dst.length < count) throw new RangeError(`dst holds ${dst.length} samples, need ${count}`);
  if (HOST_IS_LITTLE_ENDIAN) {
    // Byte-wise copy: the source may sit at an odd offset inside a pooled Buffer.
    new Uint8Array(dst.buffer, dst.byteOffset, count * 2).set(buf.subarray(0, count * 2));
  } else {
    for (let i = 0; i < count; i++) dst[i] = (buf[2 * i] | (buf[2 * i + 1] << 8)) << 16 >> 16;
  }
  return count;
}

/** Copies samples into a new Buffer as little-endian PCM16. */
export function pcm16ToBytesLE(samples: Int16Array): Buffer {
  const bytes = Buffer.allocUnsafe(samples.length * 2);
  if (HOST_IS_LITTLE_ENDIAN) {
    bytes.set(new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength));
  } else {
    for (let i = 0; i < samples.length; i++) bytes.writeInt16LE(samples[i], 2 * i);
  }
  return bytes;
}

/**
 * Parses a 16-bit PCM WAV file. Chunks other than `fmt ` and `data` (LIST, fact, …) are skipped.
 * A data size of 0 or 0xFFFFFFFF, or one larger than the file (a streaming writer's placeholder,
 * e.g. espeak-ng writing to a pipe), means "the rest of the file"; a trailing partial frame is dropped.
 */
export function parseWav(buf: Buffer): WavAudio {
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    throw new Error('parseWav: not a RIFF/WAVE file');
  }
  let format: { sampleRate: number; channels: number; blockAlign: number } | null = null;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('latin1', offset, offset + 4);
    const declaredSize = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    const remaining = buf.length - body;

    if (id === 'fmt ') {
      if (declaredSize < 16 || declaredSize > remaining) throw new Error(`parseWav: bad fmt chunk size ${declaredSize}`);
      format = readFormat(buf, body, declaredSize);
    } else if (id === 'data') {
      if (!format) throw new Error('parseWav: data chunk before fmt chunk');
      const size = STREAMING_SIZES.has(declaredSize) || declaredSize > remaining ? remaining : declaredSize;
      const usable = size - (size % format.blockAlign);
      return {
        sampleRate: format.sampleRate,
        channels: format.channels,
        samples: pcm16FromBytesLE(buf.subarray(body, body + usable)),
      };
    }
    offset = body + declaredSize + (declaredSize % 2); // chunks are padded to even length
  }
  throw new Error(format ? 'parseWav: no data chunk' : 'parseWav: no fmt chunk');
}

function readFormat(buf: Buffer, at: number, size: number) {
  let formatTag = buf.readUInt16LE(at);
  const channels = buf.readUInt16LE(at + 2);
  const sampleRate = buf.readUInt32LE(at + 4);
  const blockAlign = buf.readUInt16LE(at + 12);
  const bitsPerSample = buf.readUInt16LE(at + 14);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE && size >= 40) {
    formatTag = buf.readUInt16LE(at + 24); // first two bytes of the SubFormat GUID
  }
  if (formatTag !== WAVE_FORMAT_PCM) throw new Error(`parseWav: unsupported format tag 0x${formatTag.toString(16)} (only PCM)`);
  if (bitsPerSample !== 16) throw new Error(`parseWav: unsupported ${bitsPerSample}-bit samples (only 16-bit)`);
  if (channels < 1 || sampleRate < 1) throw new Error(`parseWav: bad fmt (channels ${channels}, rate ${sampleRate})`);
  if (blockAlign !== channels * 2) throw new Error(`parseWav: block align ${blockAlign} does not match ${channels} channel(s)`);
  return { sampleRate, channels, blockAlign };
}

/** Encodes mono PCM16 as a canonical 44-byte-header WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`encodeWav: bad sample rate ${sampleRate}`);
  const dataSize = samples.length * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataSize, 4);
  header.write('WAVE', 8, 'latin1');
  header.write('fmt ', 12, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(1, 22); // channels
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataSize, 40);
  return Buffer.concat([header, pcm16ToBytesLE(samples)]);
}
