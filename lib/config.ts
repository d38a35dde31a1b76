// Every setting comes from the environment, validated once at start-up.
// The README's configuration table lists the same names; keep the two in step.
import { z } from 'zod';
import { PROVIDER_NAMES, PROVIDERS, type ProviderName } from '../providers/registry';
import { registerSecrets } from './redact';
import { DEV_PAYLOAD_KEYS, parsePayloadKeys } from './payload-codec';
import { clinicHours } from '../appointments/clinic';
import { isTimeZone } from '../appointments/zoned-time';
import { InboundDefaultRouteSetting, InboundRoutesSetting } from './inbound-routes';

const seconds = (fallback: number) => z.coerce.number().nonnegative().default(fallback);
/** A listener's port; 0 or empty turns the listener off. */
const portOrOff = (fallback: number) => z.preprocess((v) => (v === '' ? '0' : v), z.coerce.number().int().min(0).max(65535).default(fallback));
const optionalUrl = z
  .string()
  .url()
  .optional()
  .or(z.literal('').transform(() => undefined));

/** Where the process runs. Only development and test may run on the built-in secrets. */
const NERVE_ENVS = ['development', 'test', 'production'] as const;
/** The settings in this module that are secrets with a working development default. */
const BASE_DEV_SECRETS = ['NERVE_API_TOKEN', 'PAYLOAD_KEYS', 'CODEC_AUTH_TOKEN', 'OPS_PASSWORD'];
/** Every setting in this module whose value must never reach a log, even inside a string. */
const BASE_SECRETS = [...BASE_DEV_SECRETS, 'METRICS_TOKEN', 'JUPITER_TOKEN', 'LLM_API_KEY', 'DEEPGRAM_API_KEY', 'ELEVENLABS_API_KEY', 'OPENAI_API_KEY', 'DATABASE_URL', 'REDIS_URL', 'AGENT_DESK_SECRET'];
export const DEV_CODEC_TOKEN = 'dev-codec-token-not-secret';

const BaseEnv = z.object({
  // Unset means production: a deployment that forgets it gets the guard, not the defaults.
  NERVE_ENV: z.enum(NERVE_ENVS).default('production'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  // Gateway
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  PUBLIC_BASE_URL: optionalUrl, // how providers reach the gateway; defaults to http://localhost:PORT
  NERVE_API_TOKEN: z.string().min(1).default('dev-token'),
  // How long a webhook or media session waits for the call's workflow to take an update.
  UPDATE_DEADLINE_MS: z.coerce.number().int().min(100).default(8_000),
  // How long one prompt watch (a long poll) is held before the media session re-arms it.
  PROMPT_WATCH_DEADLINE_MS: z.coerce.number().int().min(1_000).default(60_000),

  // Temporal
  TEMPORAL_ADDRESS: z.string().default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  CALLS_TASK_QUEUE: z.string().default('calls'),
  SPEECH_TASK_QUEUE: z.string().default('speech'),

  // Payload encryption (every Temporal client and worker; see lib/payload-codec.ts)
  // `id:base64key` entries, comma-separated, each key 32 random bytes (`openssl rand -base64 32`).
  // Keep retired keys listed after a rotation: histories sealed with them still need them to decode.
  // The default is a published development key: set real keys everywhere but a laptop.
  PAYLOAD_KEYS: z
    .string()
    .default(DEV_PAYLOAD_KEYS)
    .superRefine((spec, ctx) => {
      try {
        parsePayloadKeys(spec);
      } catch (err) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (err as Error).message }); // names the entry, never the key
      }
    }),
  PAYLOAD_KEY_ID: z.string().optional(), // the key that seals new payloads; default the first in PAYLOAD_KEYS
  // Codec endpoint (/codec/decode, /codec/encode) for the Temporal Web UI: it decrypts personal
  // data, so it has its own bearer token, given only to ops (not Jupiter's NERVE_API_TOKEN).
  CODEC_AUTH_TOKEN: z.string().min(16).default(DEV_CODEC_TOKEN),
  // Browser origins (the Temporal Web UI) allowed to call the codec endpoint, comma-separated.
  CODEC_CORS_ORIGINS: z.string().default('http://localhost:8233,http://127.0.0.1:8233'),

  // Metrics and traces (README: Metrics, Tracing)
  METRICS_TOKEN: z.string().min(16).optional().or(z.literal('').transform(() => undefined)), // bearer for the gateway's /metrics; unset: not served
  CALLS_WORKER_METRICS_PORT: portOrOff(9464), // the calls worker's /metrics (ours and Temporal's SDK series)
  SPEECH_WORKER_METRICS_PORT: portOrOff(9465),
  WORKER_METRICS_HOST: z.string().default('0.0.0.0'),
  OTEL_EXPORTER_OTLP_ENDPOINT: optionalUrl, // OTLP/HTTP collector base URL (traces go to /v1/traces); unset: no tracing
  OTEL_SERVICE_NAME: z.string().optional(), // default: the process's role (gateway, calls-worker, speech-worker)
  // Ops dashboard (/dashboard): HTTP Basic credentials of its own, not Jupiter's token
  OPS_USER: z.string().min(1).default('ops'),
  OPS_PASSWORD: z.string().min(12).default('dev-ops-password'),
  DASHBOARD_TIME_ZONE: z.string().default('Asia/Kolkata').refine(isTimeZone, 'not an IANA time zone'), // where "today" starts
  TEMPORAL_UI_URL: z.string().url().default('http://localhost:8233'), // the dashboard links each call to its page there

  // Storage
  DATABASE_URL: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().positive().default(10),
  REDIS_URL: z.string().optional(),

  // Jupiter
  JUPITER_URL: z.string().url().default('http://localhost:8090'),
  JUPITER_TOKEN: z.string().optional(),
  JUPITER_ORDER_PATH: z.string().default('/api/orders/{order_id}'),
  JUPITER_TIMEOUT_SECONDS: seconds(10),

  // Voicebot calls
  VOICE_MAX_CALL_SECONDS: seconds(600),
  VAD_MIN_SPEECH_MS: z.coerce.number().int().min(60).max(2000).default(250),
  VAD_END_SILENCE_MS: z.coerce.number().int().min(100).max(5000).default(600),
  FILLER_AFTER_MS: z.coerce.number().int().min(0).default(300),
  MEDIA_START_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000), // a socket that never sends start is closed
  LEAD_MAX_TURNS: z.coerce.number().int().min(1).max(50).default(12),
  QUESTIONNAIRE_CONFIG: z.string().optional(), // JSON: { questions: {en: string[], hi: string[]}, minYes?: number }
  APPOINTMENT_MAX_CALL_SECONDS: seconds(300),

  // Inbound calls: which bot answers each of our numbers (lib/inbound-routes.ts); unset or empty means none
  INBOUND_ROUTES: z.preprocess((v) => v || undefined, InboundRoutesSetting.default('{}')), // JSON: { "+918047112233": {"bot": "questionnaire", ...} }
  INBOUND_DEFAULT_ROUTE: z.preprocess((v) => v || undefined, InboundDefaultRouteSetting.optional()), // JSON route for numbers not listed
  INBOUND_REFUSAL_TEXT: z.string().trim().min(1).max(300).default('Sorry, this number cannot take your call right now. Goodbye.'),

  // Appointments: the clinic the receptionist books for (appointments/clinic.ts checks them together)
  CLINIC_TIME_ZONE: z.string().default('Asia/Kolkata'), // IANA name; dates and times said on calls are clinic time
  CLINIC_OPEN_DAYS: z.string().default('Mon-Fri'), // 'Mon-Fri', 'Mon,Wed,Fri', 'Mon-Sat'
  CLINIC_OPENS: z.string().default('09:00'),
  CLINIC_CLOSES: z.string().default('17:00'),
  CLINIC_SLOT_MINUTES: z.coerce.number().int().min(5).max(480).default(30),
  CLINIC_BREAK: z.string().default('12:00-13:00'), // no slot overlaps it; comma-separated ranges, or empty for none
  CLINIC_BOOKING_DAYS_AHEAD: z.coerce.number().int().min(0).max(366).default(90),

  // Speech
  ASR_URL: optionalUrl, // Whisper-class server with OpenAI-compatible /v1/audio/transcriptions
  ASR_MODEL: z.string().default('whisper-1'),
  ASR_TIMEOUT_SECONDS: seconds(10),
  DEEPGRAM_API_KEY: z.string().optional().transform((key) => key || undefined), // when set, Deepgram's /v1/listen transcribes instead of ASR_URL
  DEEPGRAM_URL: z.preprocess((url) => url || undefined, z.string().url().default('https://api.deepgram.com')),
  LLM_URL: optionalUrl, // OpenAI-compatible /v1/chat/completions
  LLM_MODEL: z.string().default('gpt-4o-mini'),
  LLM_API_KEY: z.string().optional(),
  LLM_TIMEOUT_SECONDS: seconds(20),
  TTS_URL: optionalUrl, // GPU host with an OpenAI-compatible /v1/audio/speech; offline eSpeak-NG when unset
  TTS_MODEL: z.string().default('tts-1'),
  // Speaking rate of the prompts: eSpeak-NG's words per minute (175 at 1) or the host's `speed`; not ElevenLabs'.
  TTS_SPEED: z.coerce.number().min(0.5).max(2.5).default(1),
  ELEVENLABS_API_KEY: z.string().optional(), // when set, prompts are synthesized by ElevenLabs
  ELEVENLABS_VOICE_ID: z.string().default('21m00Tcm4TlvDq8ikWAM'),
  ELEVENLABS_MODEL: z.string().default('eleven_multilingual_v2'),
  ELEVENLABS_URL: z.string().url().default('https://api.elevenlabs.io'),
  TTS_CACHE_TTL_SECONDS: seconds(7 * 24 * 3600),

  // Speech-to-speech (OpenAI Realtime)
  REALTIME_URL: z.string().url().default('wss://api.openai.com/v1/realtime'), // the model goes in ?model=
  REALTIME_MODEL: z.string().min(1).default('gpt-realtime'),
  REALTIME_VOICE: z.string().min(1).default('marin'), // fixed for a session once the model has spoken
  OPENAI_API_KEY: z.string().optional().transform((key) => key || undefined), // bearer key for REALTIME_URL

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

  // Call lifecycle, context and handoff (workflows/engine/lifecycle.ts)
  CONTEXT_SUMMARY_EVERY_TURNS: z.coerce.number().int().min(0).default(4), // the model re-summarizes after this many turns; 0: never (deterministic summary only)
  HANDOFF_MISUNDERSTANDING_LIMIT: z.coerce.number().int().min(1).max(20).default(3), // misunderstood turns in a row before a person takes over
  HANDOFF_AGENT: z.string().regex(/^(\+[1-9]\d{7,14}|sip:[^\s<>"]{3,200})$/, 'an E.164 number or a sip: address').optional().or(z.literal('').transform(() => undefined)), // who takes handed-off calls of our own bots (Twilio)
  HANDOFF_RING_SECONDS: z.coerce.number().int().min(5).max(120).default(20),
  // The key a keypad caller presses for a person, offered on menus only; 0-4 answer menus (0 rejects an order), so it is 5-9 or *; empty: no key
  HANDOFF_KEY: z.string().regex(/^[5-9*]?$/, 'one key from 5-9 or *, or empty').default('9'),
  HANDOFF_NO_AGENT: z.enum(['bot', 'voicemail']).default('voicemail'), // nobody answered: back to the bot, or HANDOFF_VOICEMAIL_TEXT and goodbye
  HANDOFF_VOICEMAIL_TEXT: z.string().trim().min(1).max(300).default('Sorry, all our colleagues are busy. We will call you back soon. Goodbye.'),
  HANDOFF_WRAP_UP_SECONDS: z.coerce.number().int().min(0).default(300), // how long a handed-off call waits for the agent's disposition before it reports
  AGENT_DESK_URL: optionalUrl, // the agent desktop's webhook for a handoff's context; unset: the agent page only
  AGENT_DESK_SECRET: z.preprocess((v) => v || undefined, z.string().min(16).optional()), // signs that webhook (X-Nerve-Signature) and the agent page's links; required with AGENT_DESK_URL
});


type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type ProvidersEnv = UnionToIntersection<{ [P in ProviderName]: z.infer<(typeof PROVIDERS)[P]['env']> }[ProviderName]>;

export type Config = z.infer<typeof BaseEnv> & ProvidersEnv & { VOICE_PROVIDER: ProviderName; IVR_PROVIDER: ProviderName; PUBLIC_BASE_URL: string };

/** The base settings plus each registered provider's own; built on first use (providers import this module). */
function envSchema() {
  let schema: z.AnyZodObject = BaseEnv.extend({
    VOICE_PROVIDER: z.enum(PROVIDER_NAMES).default('exotel'), // voicebot calls (questionnaire, lead) without a provider
    IVR_PROVIDER: z.enum(PROVIDER_NAMES).default('exotel'), // keypad calls (vendor, rider) without a provider
  });
  for (const provider of Object.values(PROVIDERS)) schema = schema.merge(provider.env);
  return schema;
}

let cached: Config | undefined;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  if (cached && env === process.env) return cached;
  const schema = envSchema();
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const data = parsed.data as Omit<Config, 'PUBLIC_BASE_URL'> & { PUBLIC_BASE_URL?: string };
  try {
    clinicHours(data); // the clinic settings only make sense together (opens before closes, ...)
  } catch (err) {
    throw new Error(`Invalid configuration: ${(err as Error).message}`);
  }
  refuseDevSecrets(schema, data);
  if (data.AGENT_DESK_URL && !data.AGENT_DESK_SECRET) throw new Error('Invalid configuration: AGENT_DESK_URL needs AGENT_DESK_SECRET to sign its webhooks');
  const secretNames = [...BASE_SECRETS, ...Object.values(PROVIDERS).flatMap((p) => [...p.devSecrets, ...p.secrets])];
  registerSecrets(secretNames.map((name) => (data as Record<string, unknown>)[name] as string | undefined));
  const config: Config = { ...data, PUBLIC_BASE_URL: (data.PUBLIC_BASE_URL ?? `http://localhost:${data.PORT}`).replace(/\/$/, '') };
  if (env === process.env) cached = config;
  return config;
}

/**
 * The built-in secrets are public (they are in this repository): outside development and test,
 * a secret still at its default, whether unset or set to the same value, stops the process.
 */
function refuseDevSecrets(schema: z.AnyZodObject, data: Record<string, unknown>): void {
  if (data.NERVE_ENV === 'development' || data.NERVE_ENV === 'test') return;
  const names = [...BASE_DEV_SECRETS, ...Object.values(PROVIDERS).flatMap((p) => p.devSecrets)];
  // Compared as JSON: some settings parse into objects (PAYLOAD_KEYS).
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const defaulted = names.filter((name) => same(data[name], (schema.shape[name] as z.ZodTypeAny).safeParse(undefined).data));
  if (defaulted.length) {
    throw new Error(
      `Invalid configuration: ${defaulted.join(', ')} still ${defaulted.length > 1 ? 'have their' : 'has its'} development default; ` +
        `set ${defaulted.length > 1 ? 'them' : 'it'} in the environment (NERVE_ENV=${String(data.NERVE_ENV)}; only development and test may use the defaults)`,
    );
  }
}

/** Forget the parsed configuration (the dev launcher and tests change env before starting parts). */
export function resetConfig(): void {
  cached = undefined;
}
