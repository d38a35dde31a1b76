// WebRTC VAD on real speech: an English sentence from eSpeak-NG (WASM, offline), resampled to 8 kHz.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vad } from './vad';
import { speak } from '../../test/speech';

const RATE = 8000;
const msToSamples = (ms: number) => (ms * RATE) / 1000;

test('Vad classifies 10, 20 and 30 ms frames and rejects others', async () => {
  const sentence = await speak('Please confirm the order for tomorrow morning.', 'en', RATE);
  for (const mode of [0, 1, 2, 3] as const) {
    const vad = await Vad.create({ sampleRate: RATE, mode });
    for (const ms of [10, 20, 30]) {
      vad.reset(); // forget the previous speech (WebRTC VAD holds 'speech' for a few frames after it)
      assert.equal(vad.isSpeech(new Int16Array(msToSamples(ms))), false, `${ms} ms of silence`);
      const voiced = msToSamples(600); // mid-vowel of "please"
      assert.equal(vad.isSpeech(sentence.subarray(voiced, voiced + msToSamples(ms))), true, `${ms} ms of speech, mode ${mode}`);
    }
    assert.throws(() => vad.isSpeech(new Int16Array(100)), RangeError);
    vad.dispose();
    vad.dispose(); // idempotent
    assert.throws(() => vad.isSpeech(new Int16Array(160)), /after dispose/);
  }
});
