// Real speech for tests: the offline TTS (eSpeak-NG) resampled to the rate a test needs.
import { synthesizeOffline } from '../speech/tts';
import { parseWav, resamplePcm16 } from '../lib/audio';
import type { Language } from '../workflows/types';

const spoken = new Map<string, Promise<Int16Array>>();

export function speak(text: string, language: Language = 'en', sampleRate = 8000): Promise<Int16Array> {
  const key = `${language}:${sampleRate}:${text}`;
  if (!spoken.has(key)) {
    spoken.set(key, synthesizeOffline(text, language).then((wav) => {
      const { samples, sampleRate: from } = parseWav(wav);
      return resamplePcm16(samples, from, sampleRate);
    }));
  }
  return spoken.get(key)!;
}
