// Text-to-speech for prompts: used by the speech worker's activities and by the gateway.
// Audio is stored in the cache as 8 kHz mono 16-bit WAV, the format Exotel plays from a URL,
// and served by the gateway at /audio/<key>.wav.
import { createHash } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/common';
import { encodeWav, parseWav, pcm16FromBytesLE, resamplePcm16 } from '../lib/audio';
import { cache } from '../lib/cache';
import { loadConfig } from '../lib/config';
import { isFinalHttpFailure } from '../lib/http-status';
import { ttsAudioKey, ttsStatsKey } from '../lib/keys';
import { timeSpeech } from '../lib/metrics';
import type { Language } from '../workflows/types';

export const TELEPHONY_SAMPLE_RATE = 8000;
/** The gateway path that serves a prompt's audio, and the cache hash it names. */
const AUDIO_FILE = /(?:^|\/)([0-9a-f]{40})\.wav$/;
export const audioHashOf = (urlOrFile: string): string | undefined => AUDIO_FILE.exec(urlOrFile)?.[1];

const ESPEAK_VOICES: Record<Language, string> = { hi: 'hi', en: 'en' };
const ESPEAK_WORDS_PER_MINUTE = 175; // eSpeak-NG's own default rate, TTS_SPEED 1

/** Hindi when the text is written in Devanagari, else English: how a prompt's voice is chosen. */
export function languageOf(text: string): Language {
  return /[\u0900-\u097F]/.test(text) ? 'hi' : 'en';
}

/** Returns the URL of the cached audio, synthesizing it on a miss. */
export async function synthesizeToCache(text: string, language: Language): Promise<string> {
  const config = loadConfig();
  const voice = config.ELEVENLABS_API_KEY
    ? `elevenlabs:${config.ELEVENLABS_VOICE_ID}:${config.ELEVENLABS_MODEL}`
    : config.TTS_URL ? `remote:${config.TTS_MODEL}` : `espeak:${ESPEAK_VOICES[language]}`;
  // The speed is part of the key only when set, so audio cached at the usual speed keeps its name.
  const speed = config.TTS_SPEED === 1 || config.ELEVENLABS_API_KEY ? '' : `\nspeed ${config.TTS_SPEED}`;
  const hash = createHash('sha256').update(`${language}\n${voice}\n${text}${speed}`).digest('hex').slice(0, 40);
  const store = cache();
  const url = `${config.PUBLIC_BASE_URL}/audio/${hash}.wav`;
  if (await store.getBuffer(ttsAudioKey(hash))) {
    await store.incr(ttsStatsKey('hits'));
    return url;
  }
  const { samples, sampleRate } = await timeSpeech('tts', async () =>
    config.ELEVENLABS_API_KEY
      ? synthesizeElevenLabs(text)
      : parseWav(
          config.TTS_URL
            ? await synthesizeRemote(config.TTS_URL, config.TTS_MODEL, text, language, config.TTS_SPEED)
            : await synthesizeOffline(text, language, config.TTS_SPEED),
        ),
  );
  const telephony = sampleRate === TELEPHONY_SAMPLE_RATE ? samples : resamplePcm16(samples, sampleRate, TELEPHONY_SAMPLE_RATE);
  await store.set(ttsAudioKey(hash), encodeWav(telephony, TELEPHONY_SAMPLE_RATE), config.TTS_CACHE_TTL_SECONDS);
  await store.incr(ttsStatsKey('misses'));
  return url;
}

type ESpeakModule = { FS: { readFile(path: string): Uint8Array } };
type ESpeakFactory = (options: { arguments: string[] }) => Promise<ESpeakModule>;

/** eSpeak-NG compiled to WASM: offline, Hindi and English, about 0.15 s per prompt here. Returns a WAV. */
export async function synthesizeOffline(text: string, language: Language, speed = 1): Promise<Buffer> {
  // espeak-ng ships as an ES module; a plain dynamic import keeps this file CommonJS.
  const { default: ESpeakNg } = (await import('espeak-ng')) as { default: ESpeakFactory };
  const wordsPerMinute = String(Math.round(ESPEAK_WORDS_PER_MINUTE * speed));
  const espeak = await ESpeakNg({ arguments: ['-v', ESPEAK_VOICES[language], '-s', wordsPerMinute, '-w', '/out.wav', text] });
  return Buffer.from(espeak.FS.readFile('/out.wav'));
}

/** ElevenLabs' text-to-speech, asked for raw 16 kHz PCM so no decoder is needed. */
async function synthesizeElevenLabs(text: string): Promise<{ samples: Int16Array; sampleRate: number }> {
  const { ELEVENLABS_URL, ELEVENLABS_API_KEY, ELEVENLABS_VOICE_ID, ELEVENLABS_MODEL } = loadConfig();
  const url = new URL(`/v1/text-to-speech/${encodeURIComponent(ELEVENLABS_VOICE_ID)}?output_format=pcm_16000`, ELEVENLABS_URL);
  const response = await speechRequest('ElevenLabs', url, {
    headers: { 'Content-Type': 'application/json', 'xi-api-key': ELEVENLABS_API_KEY! },
    body: JSON.stringify({ text, model_id: ELEVENLABS_MODEL }),
  });
  return { samples: pcm16FromBytesLE(Buffer.from(await response.arrayBuffer())), sampleRate: 16000 };
}

/** POSTs to a speech vendor, turning failures into retryable or final activity errors. */
async function speechRequest(vendor: string, url: URL, init: { headers: Record<string, string>; body: string }): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST', ...init, signal: AbortSignal.timeout(20_000) });
  } catch (err) {
    throw ApplicationFailure.retryable(`${vendor} unreachable: ${(err as Error).message}`, 'TtsUnavailable');
  }
  if (!response.ok) {
    const message = `${vendor} answered ${response.status}`;
    if (isFinalHttpFailure(response.status)) throw ApplicationFailure.nonRetryable(message, 'TtsRejected');
    throw ApplicationFailure.retryable(message, 'TtsUnavailable');
  }
  return response;
}

/** An OpenAI-compatible /v1/audio/speech on the GPU host. */
async function synthesizeRemote(baseUrl: string, model: string, text: string, language: Language, speed: number): Promise<Buffer> {
  const response = await speechRequest('TTS host', new URL('/v1/audio/speech', baseUrl), {
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ model, input: text, voice: language, response_format: 'wav', ...(speed === 1 ? {} : { speed }) }),
  });
  return Buffer.from(await response.arrayBuffer());
}
