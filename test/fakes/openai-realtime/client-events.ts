// What the fake accepts from a client, written from OpenAI's reference for the GA interface and
// independently of speech/realtime/protocol.ts, so a client bug shows up as the `error` event a
// real server would send. Objects we model fully are strict: an unknown or beta-style field
// (input_audio_format, modalities, voice at the top level) is refused, as the real API refuses
// unknown parameters.
import { z } from 'zod';

const base64 = z.string().refine((text) => text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text), 'audio is not base64');

const AudioFormat = z.discriminatedUnion('type', [
  z.object({ type: z.literal('audio/pcm'), rate: z.literal(24000).optional() }).strict(),
  z.object({ type: z.literal('audio/pcmu') }).strict(),
]);

const TurnDetection = z
  .object({
    type: z.literal('server_vad'),
    threshold: z.number().min(0).max(1).optional(),
    prefix_padding_ms: z.number().int().nonnegative().optional(),
    silence_duration_ms: z.number().int().nonnegative().optional(),
    create_response: z.boolean().optional(),
    interrupt_response: z.boolean().optional(),
    idle_timeout_ms: z.number().int().positive().nullish(),
  })
  .strict();

const FunctionTool = z
  .object({ type: z.literal('function'), name: z.string().regex(/^[a-zA-Z0-9_-]{1,64}$/), description: z.string().optional(), parameters: z.record(z.unknown()).optional() })
  .strict();

export const SessionConfig = z
  .object({
    type: z.literal('realtime'),
    model: z.string().optional(),
    instructions: z.string().optional(),
    output_modalities: z.array(z.enum(['audio', 'text'])).length(1).optional(),
    tools: z.array(FunctionTool).optional(),
    tool_choice: z.union([z.enum(['auto', 'none', 'required']), z.object({ type: z.literal('function'), name: z.string() }).strict()]).optional(),
    audio: z
      .object({
        input: z
          .object({
            format: AudioFormat.optional(),
            transcription: z.object({ model: z.string().optional(), language: z.string().optional(), prompt: z.string().optional() }).strict().nullish(),
            turn_detection: TurnDetection.nullish(),
            noise_reduction: z.object({ type: z.enum(['near_field', 'far_field']) }).strict().nullish(),
          })
          .strict()
          .optional(),
        output: z.object({ format: AudioFormat.optional(), voice: z.string().optional(), speed: z.number().min(0.25).max(1.5).optional() }).strict().optional(),
      })
      .strict()
      .optional(),
    include: z.array(z.string()).optional(),
    max_output_tokens: z.union([z.number().int().min(1).max(4096), z.literal('inf')]).optional(),
    tracing: z.unknown().optional(),
    truncation: z.unknown().optional(),
    prompt: z.unknown().optional(),
  })
  .strict();
export type SessionConfig = z.infer<typeof SessionConfig>;

/** GA content types per role: the user writes input_*, the assistant output_*. */
const MessageItem = z
  .object({
    id: z.string().optional(),
    type: z.literal('message'),
    status: z.string().optional(),
    role: z.enum(['user', 'assistant', 'system']),
    content: z.array(z.object({ type: z.enum(['input_text', 'input_audio', 'output_text', 'output_audio']), text: z.string().optional(), audio: z.string().optional(), transcript: z.string().optional() }).strict()).min(1),
  })
  .strict()
  .superRefine((item, ctx) => {
    const allowed = item.role === 'assistant' ? ['output_text', 'output_audio'] : item.role === 'user' ? ['input_text', 'input_audio'] : ['input_text'];
    item.content.forEach((part, i) => {
      if (!allowed.includes(part.type)) ctx.addIssue({ code: 'custom', path: ['content', i, 'type'], message: `a ${item.role} message cannot hold ${part.type}` });
    });
  });

const FunctionCallItem = z.object({ id: z.string().optional(), type: z.literal('function_call'), call_id: z.string(), name: z.string(), arguments: z.string() }).strict();
const FunctionCallOutputItem = z.object({ id: z.string().optional(), type: z.literal('function_call_output'), call_id: z.string().min(1), output: z.string() }).strict();

export const ConversationItem = z.union([MessageItem, FunctionCallItem, FunctionCallOutputItem]);
export type ConversationItem = z.infer<typeof ConversationItem>;

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) => z.object({ type: z.literal(type), event_id: z.string().optional(), ...shape }).strict();

export const CLIENT_EVENTS = {
  'session.update': event('session.update', { session: SessionConfig }),
  'input_audio_buffer.append': event('input_audio_buffer.append', { audio: base64 }),
  'input_audio_buffer.commit': event('input_audio_buffer.commit', {}),
  'input_audio_buffer.clear': event('input_audio_buffer.clear', {}),
  'conversation.item.create': event('conversation.item.create', { previous_item_id: z.string().optional(), item: ConversationItem }),
  'conversation.item.truncate': event('conversation.item.truncate', { item_id: z.string(), content_index: z.number().int().nonnegative(), audio_end_ms: z.number().int().nonnegative() }),
  'response.create': event('response.create', {
    response: z
      .object({ instructions: z.string().optional(), tools: z.array(FunctionTool).optional(), tool_choice: z.unknown().optional(), output_modalities: z.array(z.enum(['audio', 'text'])).optional(), conversation: z.string().optional(), metadata: z.record(z.string()).optional() })
      .strict()
      .optional(),
  }),
  'response.cancel': event('response.cancel', { response_id: z.string().optional() }),
} as const;

export type ClientEventType = keyof typeof CLIENT_EVENTS;
export type ClientEventOf<T extends ClientEventType> = z.infer<(typeof CLIENT_EVENTS)[T]>;
