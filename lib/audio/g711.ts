/**
 * G.711 μ-law codec, table driven so the per-frame path is a single lookup per sample.
 *
 * Encoding follows Sun's g711.c `linear2ulaw`: the 16-bit sample is truncated to 14 bits with
 * an arithmetic shift (`pcm >> 2`), then biased by 33 (0x84 on the 16-bit scale) and split into
 * a 3-bit segment and 4-bit mantissa. Note that encoders disagree by one step on some negative
 * inputs depending on how they truncate negatives (sign-magnitude or one's complement); sox
 * rounds instead of truncating. Decoding is the standard 256-entry table (±32124 full scale).
 */

/** code byte → PCM16. */
const DECODE_TABLE = new Int16Array(256);
/** 14-bit two's-complement sample (index = (pcm >> 2) & 0x3fff) → code byte. */
const ENCODE_TABLE = new Uint8Array(1 << 14);

for (let code = 0; code < 256; code++) {
  // Code bytes are transmitted inverted; bit 7 set (after inversion: clear) means negative.
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  // Midpoint of the quantization interval on the 14-bit scale, then scaled to 16 bits.
  const magnitude = 4 * (((2 * mantissa + 33) << exponent) - 33);
  DECODE_TABLE[code] = inverted & 0x80 ? -magnitude : magnitude;
}

for (let index = 0; index < ENCODE_TABLE.length; index++) {
  const sample14 = index >= 8192 ? index - 16384 : index;
  const signMask = sample14 < 0 ? 0x7f : 0xff; // negative codes keep bit 7 clear
  const biased = Math.min(Math.abs(sample14), 8159) + 33; // 33..8192
  const exponent = 26 - Math.clz32(biased); // position of the top bit, minus 5
  const byte = exponent > 7 ? 0x7f : (exponent << 4) | ((biased >> (exponent + 1)) & 0x0f);
  ENCODE_TABLE[index] = byte ^ signMask;
}

export function mulawDecodeSample(code: number): number {
  return DECODE_TABLE[code & 0xff];
}

/** Values outside the int16 range are clamped; any fractional part is dropped. */
export function mulawEncodeSample(pcm: number): number {
  const clamped = pcm > 32767 ? 32767 : pcm < -32768 ? -32768 : pcm;
  return ENCODE_TABLE[((clamped | 0) >> 2) & 0x3fff];
}

/** Decodes `src` into the caller's `dst` (no allocation); returns the number of samples written. */
export function mulawToPcm16(src: Uint8Array, dst: Int16Array): number {
  const count = src.length;
  if (dst.length < count) throw new RangeError(`mulawToPcm16: dst holds ${dst.length} samples, need ${count}`);
  for (let i = 0; i < count; i++) dst[i] = DECODE_TABLE[src[i]];
  return count;
}

/** Encodes `src` into the caller's `dst` (no allocation); returns the number of samples written. */
export function pcm16ToMulaw(src: Int16Array, dst: Uint8Array): number {
  const count = src.length;
  if (dst.length < count) throw new RangeError(`pcm16ToMulaw: dst holds ${dst.length} bytes, need ${count}`);
  for (let i = 0; i < count; i++) dst[i] = ENCODE_TABLE[(src[i] >> 2) & 0x3fff];
  return count;
}
