// Text-to-speech for prompts, run by the speech worker (the GPU host in production).
// Audio is stored in the cache as 8 kHz mono 16-bit WAV, the format Exotel plays from a URL,
// and served by the gateway at /audio/<key>.wav.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { encodeWav, parseWav, resamplePcm16 } from '../../lib/audio';
import { cache } from '../../lib/cache';
import { loadConfig } from '../../lib/config';
import type { Language, PreparedPrompt } from '../../workflows/types';

export const TELEPHONY_SAMPLE_RATE = 8000;
export const TTS_AUDIO_KEY = (hash: string) => `tts:audio:${hash}`;
export const TTS_STATS_KEY = (stat: 'hits' | 'misses') => `tts:stats:${stat}`;

const ESPEAK_VOICES: Record<Language, string> = { hi: 'hi', en: 'en' };

export interface SynthesizeRequest {
  language: Language;
  /** Prompt id → text. */
  texts: Record<string, string>;
}

export async function synthesizePrompts(request: SynthesizeRequest): Promise<Record<string, PreparedPrompt>> {
  const prepared: Record<string, PreparedPrompt> = {};
  for (const [id, text] of Object.entries(request.texts)) {
    prepared[id] = { id, text, audioUrl: await synthesizeToCache(text, request.language) };
  }
  return prepared;
}

/** Returns the URL of the cached audio, synthesizing it on a miss. */
export async function synthesizeToCache(text: string, language: Language): Promise<string> {
  const config = loadConfig();
  const voice = config.TTS_URL ? `remote:${config.TTS_MODEL}` : `espeak:${ESPEAK_VOICES[language]}`;
  const hash = createHash('sha256').update(`${language}\n${voice}\n${text}`).digest('hex').slice(0, 40);
  const store = cache();
  const url = `${config.PUBLIC_BASE_URL}/audio/${hash}.wav`;
  if (await store.getBuffer(TTS_AUDIO_KEY(hash))) {
    await store.incr(TTS_STATS_KEY('hits'));
    return url;
  }
  const wav = config.TTS_URL ? await synthesizeRemote(config.TTS_URL, config.TTS_MODEL, text, language) : await synthesizeOffline(text, language);
  const { samples, sampleRate } = parseWav(wav);
  const telephony = sampleRate === TELEPHONY_SAMPLE_RATE ? samples : resamplePcm16(samples, sampleRate, TELEPHONY_SAMPLE_RATE);
  await store.set(TTS_AUDIO_KEY(hash), encodeWav(telephony, TELEPHONY_SAMPLE_RATE), config.TTS_CACHE_TTL_SECONDS);
  await store.incr(TTS_STATS_KEY('misses'));
  return url;
}

type ESpeakModule = { FS: { readFile(path: string): Uint8Array } };
type ESpeakFactory = (options: { arguments: string[] }) => Promise<ESpeakModule>;

/** eSpeak-NG compiled to WASM: offline, Hindi and English, about 0.15 s per prompt here. Returns a WAV. */
export async function synthesizeOffline(text: string, language: Language): Promise<Buffer> {
  // espeak-ng ships as an ES module; a plain dynamic import keeps this file CommonJS.
  const { default: ESpeakNg } = (await import('espeak-ng')) as { default: ESpeakFactory };
  const espeak = await ESpeakNg({ arguments: ['-v', ESPEAK_VOICES[language], '-w', '/out.wav', text] });
  return Buffer.from(espeak.FS.readFile('/out.wav'));
}

/** An OpenAI-compatible /v1/audio/speech on the GPU host. */
async function synthesizeRemote(baseUrl: string, model: string, text: string, language: Language): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetch(new URL('/v1/audio/speech', baseUrl), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ model, input: text, voice: language, response_format: 'wav' }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    throw ApplicationFailure.retryable(`TTS host unreachable: ${(err as Error).message}`, 'TtsUnavailable');
  }
  if (!response.ok) {
    const message = `TTS host answered ${response.status}`;
    if (response.status >= 400 && response.status < 500 && response.status !== 429) throw ApplicationFailure.nonRetryable(message, 'TtsRejected');
    throw ApplicationFailure.retryable(message, 'TtsUnavailable');
  }
  return Buffer.from(await response.arrayBuffer());
}
