export { mulawDecodeSample, mulawEncodeSample, mulawToPcm16, pcm16ToMulaw } from './g711';
export { resamplePcm16, StreamResampler } from './resample';
export { encodeWav, parseWav, pcm16FromBytesLE, pcm16ToBytesLE, readPcm16LE } from './wav';
export type { WavAudio } from './wav';
