import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeWav, parseWav, pcm16FromBytesLE, pcm16ToBytesLE } from './wav';

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
