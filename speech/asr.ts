// Speech-to-text for voicebot calls.
//
// This is NOT a Temporal activity. The gateway calls it directly with the caller's utterance and
// signals only the resulting text to the workflow: audio must never pass through Temporal (it would
// bloat workflow history and the payload limits are far below a few seconds of PCM).
//
// Default backend: a self-hosted Whisper-class server (faster-whisper, whisper.cpp, vLLM …) exposing
// the OpenAI-compatible POST {ASR_URL}/v1/audio/transcriptions. When DEEPGRAM_API_KEY is set,
// Deepgram's hosted /v1/listen is used instead (an explicit opt-in, so it wins over ASR_URL).
import { z } from 'zod';
import { encodeWav, pcm16ToBytesLE } from '../lib/audio';
import { loadConfig } from '../lib/config';
import { timeSpeech } from '../lib/metrics';
import { isFinalHttpFailure } from '../lib/http-status';

export type AsrLanguage = 'hi' | 'en' | 'hinglish';

export interface Transcript {
  text: string;
  /** 0..1; see confidenceOf for how Whisper's numbers become one. */
  confidence: number;
  /** ISO-639-1 code when the server reports one, else the hint we sent. */
  language: string;
  durationMs: number;
}

export interface TranscribeOptions {
  language?: AsrLanguage;
}

/** Plain error (not an ApplicationFailure): the gateway decides whether to retry or re-prompt. */
export class AsrError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'AsrError';
  }
}

// Whisper has no "Hinglish" language: we send 'hi' and an initial prompt written the way we want the
// output to look. Whisper continues the prompt's style, so a romanized Hindi-English sample nudges it
// away from Devanagari (or a translation into English) for code-mixed speech.
const HINGLISH_PROMPT = 'Haan ji, order confirm hai. Main 10 minute mein ready kar dunga. Nahi, abhi nahi ho payega. Okay, theek hai.';

/** Whisper's own language codes for our hints. */
const WHISPER_LANGUAGE: Record<AsrLanguage, string> = { hi: 'hi', en: 'en', hinglish: 'hi' };
/** Some servers (OpenAI itself) name the detected language in English instead of a code. */
const LANGUAGE_NAMES: Record<string, string> = { hindi: 'hi', english: 'en' };

const VerboseJson = z.object({
  text: z.string(),
  language: z.string().optional(),
  duration: z.number().nonnegative().optional(),
  segments: z
    .array(z.object({ avg_logprob: z.number().optional(), no_speech_prob: z.number().optional() }))
    .optional(),
});

export function transcribe(audio: Int16Array, sampleRate: number, options: TranscribeOptions = {}): Promise<Transcript> {
  return timeSpeech('asr', () => transcribeOnce(audio, sampleRate, options));
}

async function transcribeOnce(audio: Int16Array, sampleRate: number, options: TranscribeOptions): Promise<Transcript> {
  const config = loadConfig();
  if (config.DEEPGRAM_API_KEY) return transcribeWithDeepgram(audio, sampleRate, options);

  if (!config.ASR_URL) throw new AsrError('ASR_URL is not configured', false);

  const form = new FormData();
  form.append('file', new Blob([encodeWav(audio, sampleRate)], { type: 'audio/wav' }), 'utterance.wav');
  form.append('model', config.ASR_MODEL);
  form.append('response_format', 'verbose_json');
  form.append('temperature', '0');
  if (options.language) {
    form.append('language', WHISPER_LANGUAGE[options.language]);
    if (options.language === 'hinglish') form.append('prompt', HINGLISH_PROMPT);
  }

  // fetch sets the multipart Content-Type (with boundary) itself from the FormData body.
  const body = await post(new URL('/v1/audio/transcriptions', config.ASR_URL), { method: 'POST', body: form }, config.ASR_TIMEOUT_SECONDS);
  const parsed = VerboseJson.safeParse(body);
  if (!parsed.success) throw new AsrError(`ASR server sent an unexpected body: ${parsed.error.issues[0]?.message}`, false);

  const { text, language, duration, segments } = parsed.data;
  return {
    text: text.trim(),
    confidence: confidenceOf(text, segments),
    language: normalizeLanguage(language) ?? hintCode(options.language),
    durationMs: duration !== undefined ? Math.round(duration * 1000) : samplesToMs(audio.length, sampleRate),
  };
}

/**
 * Whisper gives no single confidence. Per segment, exp(avg_logprob) is the geometric-mean token
 * probability and (1 − no_speech_prob) the chance that it is speech at all; we average their product
 * over segments. A server that returns only `{text}` (plain json) gets a neutral 0.5: we cannot tell
 * good from bad, so neither accept nor reject on confidence alone. Empty text is confidence 0.
 */
function confidenceOf(text: string, segments: z.infer<typeof VerboseJson>['segments']): number {
  if (!text.trim()) return 0;
  if (!segments?.length) return 0.5;
  const scores = segments.map((s) => Math.exp(s.avg_logprob ?? 0) * (1 - (s.no_speech_prob ?? 0)));
  return clamp01(scores.reduce((a, b) => a + b, 0) / scores.length);
}

// ------------------------------------------------------------------------------------- Deepgram

const DeepgramBody = z.object({
  metadata: z.object({ duration: z.number().optional() }).optional(),
  results: z.object({
    channels: z
      .array(
        z.object({
          detected_language: z.string().optional(),
          alternatives: z.array(z.object({ transcript: z.string(), confidence: z.number() })).min(1),
        }),
      )
      .min(1),
  }),
});

// nova-2 has no Hinglish model; its Hindi model copes with code-mixing. en-IN suits Indian English.
const DEEPGRAM_LANGUAGE: Record<AsrLanguage, string> = { hi: 'hi', en: 'en-IN', hinglish: 'hi' };

/** Deepgram pre-recorded API with raw little-endian PCM16 (no WAV header needed). */
export async function transcribeWithDeepgram(
  audio: Int16Array,
  sampleRate: number,
  options: TranscribeOptions = {},
  apiKey = loadConfig().DEEPGRAM_API_KEY,
): Promise<Transcript> {
  if (!apiKey) throw new AsrError('DEEPGRAM_API_KEY is not set', false);
  const url = new URL('/v1/listen', loadConfig().DEEPGRAM_URL);
  url.searchParams.set('model', 'nova-2');
  // Without a hint Deepgram assumes English; our callers mostly speak Hindi or Hinglish.
  url.searchParams.set('language', DEEPGRAM_LANGUAGE[options.language ?? 'hi']);
  url.searchParams.set('encoding', 'linear16');
  url.searchParams.set('sample_rate', String(sampleRate));
  url.searchParams.set('channels', '1');

  const init = {
    method: 'POST',
    headers: { Authorization: `Token ${apiKey}`, 'Content-Type': 'application/octet-stream' },
    body: pcm16ToBytesLE(audio),
  };
  const parsed = DeepgramBody.safeParse(await post(url, init, loadConfig().ASR_TIMEOUT_SECONDS));
  if (!parsed.success) throw new AsrError(`Deepgram sent an unexpected body: ${parsed.error.issues[0]?.message}`, false);

  const channel = parsed.data.results.channels[0];
  const best = channel.alternatives[0];
  const duration = parsed.data.metadata?.duration;
  return {
    text: best.transcript.trim(),
    confidence: clamp01(best.confidence),
    language: normalizeLanguage(channel.detected_language) ?? hintCode(options.language),
    durationMs: duration !== undefined ? Math.round(duration * 1000) : samplesToMs(audio.length, sampleRate),
  };
}

// ------------------------------------------------------------------------------------- helpers

/** POSTs and returns the JSON body; maps failures onto AsrError.retryable. */
async function post(url: URL, init: RequestInit, timeoutSeconds: number): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: timeoutSeconds > 0 ? AbortSignal.timeout(timeoutSeconds * 1000) : undefined });
  } catch (err) {
    // Connection refused, reset, DNS, or our timeout: the server may well answer next time.
    throw new AsrError(`ASR request to ${url.host} failed: ${(err as Error).message}`, true);
  }
  if (!response.ok) {
    const detail = (await response.text().catch(() => '')).slice(0, 200);
    const retryable = !isFinalHttpFailure(response.status);
    throw new AsrError(`ASR server answered ${response.status}${detail ? `: ${detail}` : ''}`, retryable, response.status);
  }
  try {
    return await response.json();
  } catch {
    throw new AsrError('ASR server answered with a body that is not JSON', false, response.status);
  }
}

function normalizeLanguage(language: string | undefined): string | undefined {
  if (!language) return undefined;
  const lower = language.toLowerCase();
  return LANGUAGE_NAMES[lower] ?? lower;
}

function hintCode(language: AsrLanguage | undefined): string {
  return language ? WHISPER_LANGUAGE[language] : '';
}

function samplesToMs(samples: number, sampleRate: number): number {
  return Math.round((samples / sampleRate) * 1000);
}

function clamp01(x: number): number {
  return Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0;
}
