/**
 * Per-20 ms-frame cost of the speech endpointer (WebRTC VAD in WASM + energy gate + ring buffer)
 * at 8 kHz, the media path's rate. Run: npx tsx test/bench/vad.bench.ts
 * Frames cycle through real speech (eSpeak-NG) and silence, so every state of the endpointer runs.
 */
import { parseWav, resamplePcm16 } from '../../lib/audio';
import { Endpointer } from '../../lib/audio/endpointer';
import { Vad } from '../../lib/audio/vad';

const RATE = 8000;
const FRAME = RATE / 50;
const WARMUP_FRAMES = 20_000;
const FRAMES = 200_000;

type ESpeakFactory = (options: { arguments: string[] }) => Promise<{ FS: { readFile(path: string): Uint8Array } }>;

async function testSignal(): Promise<Int16Array> {
  const { default: ESpeakNg } = (await import('espeak-ng')) as { default: ESpeakFactory };
  const espeak = await ESpeakNg({ arguments: ['-v', 'en', '-w', '/out.wav', 'Please confirm the order for tomorrow morning.'] });
  const wav = parseWav(Buffer.from(espeak.FS.readFile('/out.wav')));
  const speech = resamplePcm16(wav.samples, wav.sampleRate, RATE);
  // Speech then 1 s of silence, trimmed to whole frames.
  const signal = new Int16Array(Math.floor((speech.length + RATE) / FRAME) * FRAME);
  signal.set(speech);
  return signal;
}

function bench(name: string, signal: Int16Array, runFrame: (frame: Int16Array) => void): void {
  const frames: Int16Array[] = [];
  for (let at = 0; at < signal.length; at += FRAME) frames.push(signal.subarray(at, at + FRAME));
  for (let i = 0; i < WARMUP_FRAMES; i++) runFrame(frames[i % frames.length]);
  const start = process.hrtime.bigint();
  for (let i = 0; i < FRAMES; i++) runFrame(frames[i % frames.length]);
  const usPerFrame = Number(process.hrtime.bigint() - start) / FRAMES / 1000;
  const realTime = usPerFrame / (20 * 1000);
  console.log(`${name.padEnd(40)} ${usPerFrame.toFixed(2).padStart(7)} µs/frame  (${(realTime * 100).toFixed(3)}% of one core per stream)`);
}

async function main(): Promise<void> {
  const signal = await testSignal();

  const vad = await Vad.create({ sampleRate: RATE });
  bench('WebRTC VAD alone, 160 samples', signal, (frame) => vad.isSpeech(frame));
  vad.dispose();

  const endpointer = await Endpointer.create({ sampleRate: RATE });
  let utterances = 0;
  endpointer.on('speech-end', () => utterances++);
  bench('Endpointer.push, 160 samples (8 kHz)', signal, (frame) => endpointer.push(frame));
  endpointer.dispose();
  console.log(`(${utterances} utterances endpointed during the run)`);
}

void main();
