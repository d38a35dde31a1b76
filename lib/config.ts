// Every setting comes from the environment, validated once at start-up.
// The README's configuration table lists the same names; keep the two in step.
import { z } from 'zod';

const seconds = (fallback: number) => z.coerce.number().nonnegative().default(fallback);
const optionalUrl = z
  .string()
  .url()
  .optional()
  .or(z.literal('').transform(() => undefined));

const EnvSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Gateway
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PUBLIC_BASE_URL: optionalUrl, // how providers reach the gateway; defaults to http://localhost:PORT
  NERVE_API_TOKEN: z.string().min(1).default('dev-token'),

  // Temporal
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  CALLS_TASK_QUEUE: z.string().default('calls'),
  SPEECH_TASK_QUEUE: z.string().default('speech'),

  // Storage
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  REDIS_URL: z.string().optional(),

  // Jupiter
  JUPITER_URL: z.string().url().default('http://localhost:8090'),
  JUPITER_TOKEN: z.string().optional(),
  JUPITER_ORDER_PATH: z.string().default('/api/orders/{order_id}'),
  JUPITER_TIMEOUT_SECONDS: seconds(10),

  // Exotel
  EXOTEL_API_URL: z.string().url().default('https://api.exotel.com'),
  EXOTEL_SID: z.string().default(''),
  EXOTEL_API_KEY: z.string().default(''),
  EXOTEL_API_TOKEN: z.string().default(''),
  EXOTEL_CALLER_ID: z.string().default(''),
  EXOTEL_APP_ID: z.string().default(''),
  EXOTEL_WEBHOOK_SECRET: z.string().min(8).default('dev-exotel-webhook-secret'),

  // Twilio
  TWILIO_API_URL: z.string().url().default('https://api.twilio.com'),
  TWILIO_ACCOUNT_SID: z.string().default(''),
  TWILIO_AUTH_TOKEN: z.string().default(''),
  TWILIO_FROM_NUMBER: z.string().default(''),

  // Voicebot calls
  EXOTEL_VOICEBOT_APP_ID: z.string().default(''),
  // Basic credentials Exotel sends on the Voicebot WebSocket (put them in the applet's wss URL as user:pass@host).
  EXOTEL_STREAM_USER: z.string().default('exotel'),
  EXOTEL_STREAM_PASSWORD: z.string().min(8).default('dev-exotel-stream-secret'), // a flow whose Voicebot applet points at wss://<host>/media/exotel
  VOICE_PROVIDER: z.enum(['exotel', 'twilio']).default('exotel'),
  VOICE_MAX_CALL_SECONDS: seconds(600),
  VAD_MIN_SPEECH_MS: z.coerce.number().int().min(60).max(2000).default(250),
  VAD_END_SILENCE_MS: z.coerce.number().int().min(100).max(5000).default(600),
  FILLER_AFTER_MS: z.coerce.number().int().min(0).default(300),
  MEDIA_START_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000), // a socket that never sends start is closed
  LEAD_MAX_TURNS: z.coerce.number().int().min(1).max(50).default(12),
  QUESTIONNAIRE_CONFIG: z.string().optional(), // JSON: { questions: {en: string[], hi: string[]}, minYes?: number }

  // Speech
  ASR_URL: optionalUrl, // Whisper-class server with OpenAI-compatible /v1/audio/transcriptions
  ASR_MODEL: z.string().default('whisper-1'),
  ASR_TIMEOUT_SECONDS: seconds(10),
  LLM_URL: optionalUrl, // OpenAI-compatible /v1/chat/completions
  LLM_MODEL: z.string().default('gpt-4o-mini'),
  LLM_API_KEY: z.string().optional(),
  LLM_TIMEOUT_SECONDS: seconds(20),
  TTS_URL: optionalUrl, // GPU host with an OpenAI-compatible /v1/audio/speech; offline eSpeak-NG when unset
  TTS_MODEL: z.string().default('tts-1'),
  ELEVENLABS_API_KEY: z.string().optional(), // when set, prompts are synthesized by ElevenLabs
  ELEVENLABS_VOICE_ID: z.string().default('21m00Tcm4TlvDq8ikWAM'),
  ELEVENLABS_MODEL: z.string().default('eleven_multilingual_v2'),
  ELEVENLABS_URL: z.string().url().default('https://api.elevenlabs.io'),
  TTS_CACHE_TTL_SECONDS: seconds(7 * 24 * 3600),

  // Call policy defaults (a request may not override them; they are copied into each workflow's input)
  CALL_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  CALL_REDIAL_GAP_SECONDS: seconds(120),
  CALL_RING_TIMEOUT_SECONDS: seconds(45),
  CALL_INPUT_TIMEOUT_SECONDS: seconds(30),
  CALL_MAX_REPROMPTS: z.coerce.number().int().min(0).max(5).default(2),
  CALL_TIME_LIMIT_SECONDS: seconds(300),
  RIDER_CALL_BUFFER_MINUTES: z.coerce.number().nonnegative().default(10),
  DEFAULT_PREP_TIME_MINUTES: z.coerce.number().positive().default(30),
  REPORT_RETRY_INITIAL_SECONDS: seconds(1),
  REPORT_RETRY_MAX_SECONDS: seconds(300),
});

export type Config = z.infer<typeof EnvSchema> & { PUBLIC_BASE_URL: string };

let cached: Config | undefined;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (cached && env === process.env) return cached;
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const config = {
    ...parsed.data,
    PUBLIC_BASE_URL: (parsed.data.PUBLIC_BASE_URL ?? `http://localhost:${parsed.data.PORT}`).replace(/\/$/, ''),
  };
  if (env === process.env) cached = config;
  return config;
}

/** Forget the parsed configuration (the dev launcher and tests change env before starting parts). */
export function resetConfig(): void {
  cached = undefined;
}
