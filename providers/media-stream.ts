// The provider-neutral side of the bidirectional media-stream WebSockets (Exotel Voicebot,
// Twilio <Connect><Stream>). A codec turns one inbound text frame into a StreamEvent and builds
// the outbound frames; it holds no state and touches no socket, so the gateway owns the session.
import { z } from 'zod';

export type StreamEvent =
  | { kind: 'connected' }
  | {
      kind: 'start';
      streamSid: string;
      callSid: string;
      customParameters: Record<string, string>;
      sampleRate: number;
      encoding: 'pcm16' | 'mulaw';
      /** The caller and the number they rang, where the provider says (Exotel does; Twilio names them on the voice webhook). */
      from?: string;
      to?: string;
    }
  /** payload: the audio bytes exactly as the provider sent them (PCM16 LE or μ-law). */
  | { kind: 'media'; payload: Buffer; timestamp?: number; chunk?: number; streamSid?: string }
  | { kind: 'dtmf'; digit: string; streamSid?: string }
  /** A mark we sent earlier: the audio queued before it has played (or was cleared). */
  | { kind: 'mark'; name: string; streamSid?: string }
  /** callEnded: the provider says the call itself ended (the caller hung up), not only this stream. */
  | { kind: 'stop'; reason?: string; callEnded?: boolean; streamSid?: string };

/** How big each outbound audio message may be, in bytes of raw audio (before base64). */
export interface OutboundChunkRule {
  min: number;
  /** Every chunk's length is a multiple of this; `min` is one too. */
  multiple: number;
  max: number;
  /** The byte that is silence in the provider's encoding: 0x00 for PCM16, 0xff for μ-law. */
  silenceByte: number;
}

export interface MediaStreamCodec {
  provider: string;
  /** Throws StreamProtocolError saying what is wrong with the frame. */
  parse(text: string): StreamEvent;
  /** `audio` must already obey outboundChunkBytes (see chunkOutbound); throws RangeError if not. */
  media(streamSid: string, audio: Buffer): string;
  mark(streamSid: string, name: string): string;
  /** Drops the audio the provider has buffered but not played yet (barge-in). */
  clear(streamSid: string): string;
  /** Throws RangeError for a sample rate the provider does not stream at. */
  outboundChunkBytes(sampleRate: number): OutboundChunkRule;
  /** A line of the conversation as text, for a far end that has a screen (the browser simulator); telephone providers have none. */
  transcript?(streamSid: string, line: SpokenLine): string;
}

/** Who said what, as the caller's screen shows it. */
export interface SpokenLine {
  speaker: 'bot' | 'caller';
  text: string;
}

export type StreamProtocolErrorCode = 'too_large' | 'not_json' | 'unknown_event' | 'invalid_message';

export class StreamProtocolError extends Error {
  constructor(
    readonly provider: string,
    readonly code: StreamProtocolErrorCode,
    message: string,
  ) {
    super(`${provider} media stream: ${message}`);
    this.name = 'StreamProtocolError';
  }
}

/**
 * Inbound frames are small (100 ms of 24 kHz PCM is 6.4 KB of base64), so anything far larger is
 * refused before JSON.parse spends memory on it. Counted in UTF-16 units: providers send ASCII.
 */
export const MAX_INBOUND_FRAME_CHARS = 64 * 1024;

// ---------------------------------------------------------------- schema pieces shared by codecs

const DIGIT_STRING = /^\d{1,15}$/;
const isWireInteger = (value: unknown) => (typeof value === 'number' ? Number.isInteger(value) && value >= 0 : typeof value === 'string' && DIGIT_STRING.test(value));

/**
 * Providers send counters and rates as JSON numbers or as digit strings ("200"); take both. One
 * check rather than a union: a union tries the number schema first and builds (then discards) an
 * issue for every digit string, which on the media path was most of the cost of parsing a frame.
 */
export const wireInteger = z
  .custom<number | string>((value) => isWireInteger(value), { message: 'expected a non-negative integer, as a number or a digit string' })
  .transform(Number);

/** Custom parameters are strings on the wire; a number or boolean is kept as its text. */
export const customParameters = z
  .record(z.union([z.string(), z.number(), z.boolean()]).transform(String))
  .default({});

export const sid = z.string().min(1).max(128);

/** One key of the phone keypad (A-D exist on some keypads). */
export const dtmfDigit = z.string().regex(/^[0-9*#A-D]$/, 'expected one keypad character');

/** A mark echoed back: both providers send {"event":"mark", "mark":{"name": ...}}. */
export const markEvent = z
  .object({ mark: z.object({ name: z.string().min(1).max(256) }) })
  .transform(({ mark }): StreamEvent => ({ kind: 'mark', name: mark.name }));

/**
 * Buffer.from(s, 'base64') skips characters outside the alphabet and stops at stray padding, so a
 * corrupted payload would turn into shorter, shifted audio instead of an error. Check first.
 */
export function isStrictBase64(text: string): boolean {
  return text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}

export const base64Audio = z
  .string()
  .refine(isStrictBase64, 'payload is not canonical base64')
  .transform((text) => Buffer.from(text, 'base64'));

/** What a provider's media frame asks of its optional fields, for quickMediaParser. */
export interface MediaFrameRule {
  /** The one track name accepted when the frame names one (Twilio); unset: a track is ignored, as the schema strips it. */
  track?: string;
  /** PCM16: an odd byte count is not whole samples. */
  wholeSamples?: boolean;
}

type QuickParse = (message: Record<string, unknown>) => StreamEvent | undefined;

/**
 * The media frame comes 50 times a second per call, so its usual form is checked without zod (whose
 * effects allocate on every parse): a frame this accepts gets exactly the schema's result. Anything
 * else returns undefined and goes through the schema, which says what is wrong with it.
 */
export function quickMediaParser(rule: MediaFrameRule): QuickParse {
  return (message) => {
    const media = message.media as Record<string, unknown> | null | undefined;
    if (typeof media !== 'object' || media === null || Array.isArray(media)) return undefined;
    const { payload, chunk, timestamp } = media;
    if (typeof payload !== 'string' || !isStrictBase64(payload)) return undefined;
    if ((chunk !== undefined && !isWireInteger(chunk)) || (timestamp !== undefined && !isWireInteger(timestamp))) return undefined;
    if (rule.track !== undefined && media.track !== undefined && media.track !== rule.track) return undefined;
    const bytes = Buffer.from(payload, 'base64');
    if (rule.wholeSamples && bytes.length % 2 !== 0) return undefined;
    return { kind: 'media', payload: bytes, timestamp: timestamp === undefined ? undefined : Number(timestamp), chunk: chunk === undefined ? undefined : Number(chunk) };
  };
}

/** Parses one inbound text frame: size cap, JSON, the `event` name, then that event's schema. */
export function decodeFrame(
  provider: string,
  text: string,
  schemas: Readonly<Record<string, z.ZodType<StreamEvent, z.ZodTypeDef, unknown>>>,
  /** The top-level field naming the stream (stream_sid, streamSid): copied onto the event so the session can refuse frames for another stream. */
  streamSidField?: string,
  /** Media frames tried without zod first (see quickMediaParser). */
  quickMedia?: QuickParse,
): StreamEvent {
  if (text.length > MAX_INBOUND_FRAME_CHARS) {
    throw new StreamProtocolError(provider, 'too_large', `frame of ${text.length} chars exceeds ${MAX_INBOUND_FRAME_CHARS}`);
  }
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    throw new StreamProtocolError(provider, 'not_json', 'frame is not valid JSON');
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    throw new StreamProtocolError(provider, 'invalid_message', 'frame is not a JSON object');
  }
  const event = (message as { event?: unknown }).event;
  if (typeof event !== 'string') {
    throw new StreamProtocolError(provider, 'invalid_message', 'frame has no "event" string');
  }
  const schema = Object.hasOwn(schemas, event) ? schemas[event] : undefined;
  if (!schema) {
    throw new StreamProtocolError(provider, 'unknown_event', `unknown event "${event.slice(0, 40)}"`);
  }
  const quick = event === 'media' ? quickMedia?.(message as Record<string, unknown>) : undefined;
  const parsed = quick ? { success: true as const, data: quick } : schema.safeParse(message);
  if (parsed.success) {
    const streamSid = streamSidField ? (message as Record<string, unknown>)[streamSidField] : undefined;
    const event = parsed.data;
    if (typeof streamSid !== 'string' || event.kind === 'start' || event.kind === 'connected') return event;
    return { ...event, streamSid };
  }
  const issue = parsed.error.issues[0];
  const where = issue.path.length > 0 ? issue.path.join('.') : '(frame)';
  throw new StreamProtocolError(provider, 'invalid_message', `${event}: ${where}: ${issue.message}`);
}

// ---------------------------------------------------------------- outbound chunking

/**
 * Splits outbound audio into chunks the provider accepts, each of `targetBytes` (snapped into the
 * rule; default the largest allowed). Full chunks are views into `audio`, not copies. A short tail
 * is folded into the chunk before it when that stays under `max`, otherwise padded with silence up
 * to the rule: the added silence is always under `min` bytes and usually under `multiple`.
 */
export function chunkOutbound(audio: Buffer, rule: OutboundChunkRule, targetBytes = rule.max): Buffer[] {
  assertSaneRule(rule);
  const size = Math.floor(Math.min(Math.max(targetBytes, rule.min), rule.max) / rule.multiple) * rule.multiple;
  const chunks: Buffer[] = [];
  let offset = 0;
  for (; audio.length - offset >= size; offset += size) chunks.push(audio.subarray(offset, offset + size));
  const rest = audio.length - offset;
  if (rest === 0) return chunks;

  const tailBytes = Math.ceil(rest / rule.multiple) * rule.multiple;
  if (tailBytes >= rule.min) {
    chunks.push(padWithSilence(audio.subarray(offset), tailBytes, rule.silenceByte));
  } else if (chunks.length > 0 && size + tailBytes <= rule.max) {
    chunks.pop();
    chunks.push(padWithSilence(audio.subarray(offset - size), size + tailBytes, rule.silenceByte));
  } else {
    chunks.push(padWithSilence(audio.subarray(offset), rule.min, rule.silenceByte));
  }
  return chunks;
}

/** For builders: throws RangeError when a chunk breaks the provider's size rule. */
export function assertChunkFits(provider: string, audio: Buffer, rule: OutboundChunkRule): void {
  const n = audio.length;
  if (n < rule.min || n > rule.max || n % rule.multiple !== 0) {
    throw new RangeError(
      `${provider} media chunk of ${n} bytes must be ${rule.min}-${rule.max} bytes in multiples of ${rule.multiple}`,
    );
  }
}

function padWithSilence(audio: Buffer, length: number, silenceByte: number): Buffer {
  if (audio.length === length) return audio;
  const padded = Buffer.allocUnsafe(length);
  audio.copy(padded);
  padded.fill(silenceByte, audio.length);
  return padded;
}

function assertSaneRule(rule: OutboundChunkRule): void {
  const ok =
    Number.isInteger(rule.multiple) && rule.multiple >= 1 &&
    Number.isInteger(rule.min) && rule.min >= 1 && rule.min % rule.multiple === 0 &&
    Number.isInteger(rule.max) && rule.max >= rule.min;
  if (!ok) throw new RangeError(`unusable chunk rule ${JSON.stringify(rule)}`);
}

// ---------------------------------------------------------------- codec assembly

export interface JsonStreamProtocol {
  provider: string;
  /** The field that names the stream on every frame: stream_sid (Exotel), streamSid (Twilio). */
  streamSidField: string;
  inbound: Readonly<Record<string, z.ZodType<StreamEvent, z.ZodTypeDef, unknown>>>;
  /** How `inbound.media` checks its fields, so the usual media frame skips zod (see quickMediaParser). */
  mediaRule?: MediaFrameRule;
  /** Outbound chunk sizes; the same at every rate the provider streams at. */
  outboundRule: OutboundChunkRule;
  sampleRates: readonly number[];
}

/**
 * Builds a codec for a provider whose frames are JSON with an `event` name and the stream id at
 * the top level (both Exotel and Twilio): the provider supplies its schemas, field name and rule.
 */
export function jsonStreamCodec(protocol: JsonStreamProtocol): MediaStreamCodec {
  const { provider, streamSidField: sidField, outboundRule } = protocol;
  const quickMedia = protocol.mediaRule && quickMediaParser(protocol.mediaRule);
  const frame = (event: string, streamSid: string, body: Record<string, unknown> = {}) => {
    if (!streamSid) throw new RangeError(`${provider}: ${sidField} is required`);
    return JSON.stringify({ event, [sidField]: streamSid, ...body });
  };
  return {
    provider,
    parse: (text) => decodeFrame(provider, text, protocol.inbound, sidField, quickMedia),
    media(streamSid, audio) {
      assertChunkFits(provider, audio, outboundRule);
      return frame('media', streamSid, { media: { payload: audio.toString('base64') } });
    },
    mark(streamSid, name) {
      if (!name) throw new RangeError(`${provider}: mark name is required`);
      return frame('mark', streamSid, { mark: { name } });
    },
    clear: (streamSid) => frame('clear', streamSid),
    outboundChunkBytes(sampleRate) {
      if (!protocol.sampleRates.includes(sampleRate)) {
        throw new RangeError(`${provider} streams at ${protocol.sampleRates.join(' or ')} Hz, not ${sampleRate}`);
      }
      return outboundRule;
    },
  };
}
