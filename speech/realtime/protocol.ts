// The OpenAI Realtime protocol (GA interface) as this project speaks it: zod schemas for the server
// events we act on and builders for the client events we send. Names and fields follow OpenAI's
// API reference. Each schema lists only the fields we read and passes the rest through; the API
// adds event types often, so an unknown type is ignored, while a known one that is malformed is an
// error the caller reports.
import { z } from 'zod';

/** The two wire formats we use: G.711 μ-law 8 kHz (Twilio as is) or PCM16 LE 24 kHz (resampled). */
export type RealtimeAudioFormat = 'pcmu' | 'pcm24k';

// ---------------------------------------------------------------------------------- server events

const AudioFormat = z.object({ type: z.string(), rate: z.number().optional() }).passthrough();

const Session = z
  .object({
    id: z.string().optional(),
    type: z.string().optional(),
    model: z.string().optional(),
    instructions: z.string().optional(),
    audio: z
      .object({
        input: z
          .object({
            format: AudioFormat.optional(),
            transcription: z.object({ model: z.string().optional() }).passthrough().nullish(),
            turn_detection: z.object({ type: z.string() }).passthrough().nullish(),
          })
          .passthrough()
          .optional(),
        output: z.object({ format: AudioFormat.optional(), voice: z.string().optional() }).passthrough().optional(),
      })
      .passthrough()
      .optional(),
  })
  .passthrough();

/** input_text, input_audio, output_text, output_audio …: text or transcript, as the type has it. */
const ContentPart = z.object({ type: z.string(), text: z.string().nullish(), transcript: z.string().nullish() }).passthrough();

/**
 * One conversation item, flat on purpose: message, function_call and function_call_output share
 * it (each fills its own fields), and item types we never use (MCP calls) still parse.
 */
const Item = z
  .object({
    id: z.string().optional(),
    type: z.string(),
    status: z.string().optional(),
    role: z.enum(['user', 'assistant', 'system']).optional(),
    content: z.array(ContentPart).optional(),
    call_id: z.string().optional(),
    name: z.string().optional(),
    arguments: z.string().optional(),
    output: z.string().optional(),
  })
  .passthrough();

const Response = z
  .object({
    id: z.string(),
    status: z.enum(['in_progress', 'completed', 'cancelled', 'failed', 'incomplete']).optional(),
    // reason: turn_detected / client_cancelled (cancelled), max_output_tokens / content_filter (incomplete)
    status_details: z.object({ type: z.string().optional(), reason: z.string().optional() }).passthrough().nullish(),
    output: z.array(Item).optional(),
  })
  .passthrough();

const ms = z.number().int().nonnegative();

function serverEvent<T extends string, S extends z.ZodRawShape>(type: T, shape: S) {
  return z.object({ type: z.literal(type), event_id: z.string().optional(), ...shape }).passthrough();
}

/** Fields every response.output_* streaming event carries. */
const streamed = { response_id: z.string(), item_id: z.string(), output_index: z.number().int(), content_index: z.number().int() };

const SERVER_EVENT_SCHEMAS = [
  serverEvent('session.created', { session: Session }),
  serverEvent('session.updated', { session: Session }),
  serverEvent('input_audio_buffer.speech_started', { audio_start_ms: ms, item_id: z.string() }),
  serverEvent('input_audio_buffer.speech_stopped', { audio_end_ms: ms, item_id: z.string() }),
  serverEvent('input_audio_buffer.committed', { item_id: z.string(), previous_item_id: z.string().nullish() }),
  serverEvent('input_audio_buffer.cleared', {}),
  serverEvent('conversation.item.created', { item: Item, previous_item_id: z.string().nullish() }),
  serverEvent('conversation.item.added', { item: Item, previous_item_id: z.string().nullish() }),
  serverEvent('conversation.item.done', { item: Item, previous_item_id: z.string().nullish() }),
  serverEvent('conversation.item.truncated', { item_id: z.string(), content_index: z.number().int(), audio_end_ms: ms }),
  serverEvent('conversation.item.input_audio_transcription.completed', { item_id: z.string(), content_index: z.number().int(), transcript: z.string() }),
  serverEvent('conversation.item.input_audio_transcription.failed', {
    item_id: z.string(),
    error: z.object({ message: z.string().optional(), code: z.string().nullish() }).passthrough(),
  }),
  serverEvent('response.created', { response: Response }),
  serverEvent('response.output_item.added', { response_id: z.string(), output_index: z.number().int(), item: Item }),
  serverEvent('response.output_item.done', { response_id: z.string(), output_index: z.number().int(), item: Item }),
  serverEvent('response.output_audio.delta', { ...streamed, delta: z.string() }),
  serverEvent('response.output_audio.done', streamed),
  serverEvent('response.output_audio_transcript.delta', { ...streamed, delta: z.string() }),
  serverEvent('response.output_audio_transcript.done', { ...streamed, transcript: z.string() }),
  serverEvent('response.function_call_arguments.delta', {
    response_id: z.string(),
    item_id: z.string(),
    output_index: z.number().int(),
    call_id: z.string(),
    delta: z.string(),
  }),
  // OpenAI's reference omits `name` here (Azure's copy of the spec has it): take it from the item.
  serverEvent('response.function_call_arguments.done', {
    response_id: z.string(),
    item_id: z.string(),
    output_index: z.number().int(),
    call_id: z.string(),
    arguments: z.string(),
    name: z.string().optional(),
  }),
  serverEvent('response.done', { response: Response }),
  serverEvent('rate_limits.updated', {
    rate_limits: z.array(
      z.object({ name: z.string().optional(), limit: z.number().optional(), remaining: z.number().optional(), reset_seconds: z.number().optional() }).passthrough(),
    ),
  }),
  serverEvent('error', {
    error: z
      .object({ type: z.string(), message: z.string(), code: z.string().nullish(), param: z.string().nullish(), event_id: z.string().nullish() })
      .passthrough(),
  }),
] as const;

export type ServerEvent = z.infer<(typeof SERVER_EVENT_SCHEMAS)[number]>;
export type ServerEventType = ServerEvent['type'];
export type ServerEventOf<T extends ServerEventType> = Extract<ServerEvent, { type: T }>;
export type RealtimeItem = z.infer<typeof Item>;
export type RealtimeSession = z.infer<typeof Session>;

const SCHEMA_BY_TYPE = new Map<string, z.ZodTypeAny>(SERVER_EVENT_SCHEMAS.map((schema) => [schema.shape.type.value, schema]));

/** The server event types this module understands; anything else parses to undefined. */
export const KNOWN_SERVER_EVENTS: readonly ServerEventType[] = SERVER_EVENT_SCHEMAS.map((schema) => schema.shape.type.value);

export class RealtimeProtocolError extends Error {
  constructor(message: string) {
    super(`Realtime server event: ${message}`);
    this.name = 'RealtimeProtocolError';
  }
}

/**
 * One WebSocket text frame from the server → a typed event, or undefined for a type we do not
 * use. Throws RealtimeProtocolError (saying what is wrong) for anything malformed.
 */
export function parseServerEvent(text: string): ServerEvent | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new RealtimeProtocolError('not valid JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) throw new RealtimeProtocolError('not a JSON object');
  const type = (message as { type?: unknown }).type;
  if (typeof type !== 'string') throw new RealtimeProtocolError('no "type" string');
  const schema = SCHEMA_BY_TYPE.get(type);
  if (!schema) return undefined;
  const parsed = schema.safeParse(message);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`).join('; ');
    throw new RealtimeProtocolError(`${type}: ${problems}`);
  }
  return parsed.data as ServerEvent;
}

// ---------------------------------------------------------------------------------- client events

/** A function the model may call; `parameters` is a JSON Schema object. */
export interface RealtimeTool {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface SessionSettings {
  instructions: string;
  voice: string;
  tools: readonly RealtimeTool[];
  /** Both directions use the same format: the caller's line decides it. */
  format: RealtimeAudioFormat;
  transcriptionModel?: string;
}

const WIRE_FORMAT = {
  pcmu: { type: 'audio/pcmu' },
  pcm24k: { type: 'audio/pcm', rate: 24000 },
} as const;

/** The caller's words as text for the transcript (the model itself hears the audio). */
export const DEFAULT_TRANSCRIPTION_MODEL = 'gpt-4o-mini-transcribe';

/**
 * Server VAD at the documented defaults. create_response: the model answers when the caller stops;
 * interrupt_response: caller speech cancels the answer in progress (barge-in).
 */
export const TURN_DETECTION = {
  type: 'server_vad',
  threshold: 0.5,
  prefix_padding_ms: 300,
  silence_duration_ms: 500,
  create_response: true,
  interrupt_response: true,
} as const;

export function sessionUpdate(settings: SessionSettings) {
  const format = WIRE_FORMAT[settings.format];
  return {
    type: 'session.update',
    session: {
      type: 'realtime',
      instructions: settings.instructions,
      output_modalities: ['audio'],
      tools: settings.tools.map(({ name, description, parameters }) => ({ type: 'function', name, description, parameters })),
      tool_choice: 'auto',
      audio: {
        input: {
          format,
          transcription: { model: settings.transcriptionModel ?? DEFAULT_TRANSCRIPTION_MODEL },
          turn_detection: { ...TURN_DETECTION },
        },
        output: { format, voice: settings.voice },
      },
    },
  } as const;
}

/** `audio` is base64 in the session's input format. */
export function appendAudio(audio: string) {
  return { type: 'input_audio_buffer.append', audio } as const;
}

/** Drops audio the server has buffered but not committed. */
export function inputAudioClear() {
  return { type: 'input_audio_buffer.clear' } as const;
}

/** A tool's result, for the function_call item with this call_id; follow it with responseCreate(). */
export function functionCallOutput(callId: string, output: string) {
  return { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } } as const;
}

/** Seeds a new session with a turn of the conversation so far (text: audio items cannot be added). */
export function conversationItem(role: 'user' | 'assistant', text: string) {
  // The API takes input_text from the user and output_text from the assistant.
  const content = [{ type: role === 'assistant' ? 'output_text' : 'input_text', text }] as const;
  return { type: 'conversation.item.create', item: { type: 'message', role, content } } as const;
}

/** Asks the model to respond now; `instructions` override the session's for this response only. */
export function responseCreate(instructions?: string) {
  return instructions === undefined ? ({ type: 'response.create' } as const) : ({ type: 'response.create', response: { instructions } } as const);
}

export function responseCancel() {
  return { type: 'response.cancel' } as const;
}

/** Tells the server how much of an assistant item the caller heard, so unheard text leaves the context. */
export function truncate(itemId: string, contentIndex: number, audioEndMs: number) {
  return { type: 'conversation.item.truncate', item_id: itemId, content_index: contentIndex, audio_end_ms: Math.max(0, Math.round(audioEndMs)) } as const;
}

export type ClientEvent =
  | ReturnType<typeof sessionUpdate>
  | ReturnType<typeof appendAudio>
  | ReturnType<typeof inputAudioClear>
  | ReturnType<typeof functionCallOutput>
  | ReturnType<typeof conversationItem>
  | ReturnType<typeof responseCreate>
  | ReturnType<typeof responseCancel>
  | ReturnType<typeof truncate>;
