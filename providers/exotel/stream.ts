// Exotel's Voicebot applet WebSocket (bidirectional): snake_case JSON text frames, audio as
// base64 of 16-bit signed little-endian mono PCM at 8 kHz, or 16/24 kHz when the stream URL
// carries ?sample-rate=. Exotel sends numbers as strings ("8000"); both forms are accepted.
import { z } from 'zod';
import {
  base64Audio,
  customParameters,
  dtmfDigit,
  jsonStreamCodec,
  type JsonStreamProtocol,
  markEvent,
  sid,
  type MediaStreamCodec,
  type OutboundChunkRule,
  type StreamEvent,
  wireInteger,
} from '../media-stream';

const PROVIDER = 'exotel';
const SAMPLE_RATES = [8000, 16000, 24000];

/**
 * Exotel states the outbound window in bytes whatever the rate: 3,200 to 100,000 in multiples
 * of 320. A chunk off the 320 grid leaves a short packet that Exotel pads with a 20 ms wait,
 * an audible gap; a smaller one stutters on jitter, a larger one can time out.
 */
const OUTBOUND_RULE: OutboundChunkRule = Object.freeze({ min: 3_200, multiple: 320, max: 100_000, silenceByte: 0x00 });

const Connected = z.object({}).transform((): StreamEvent => ({ kind: 'connected' }));

const Start = z
  .object({
    start: z.object({
      stream_sid: sid,
      call_sid: sid,
      // The caller and the ExoPhone: how a call that rang in (no callId parameter of ours) is routed.
      from: z.string().max(64).optional(),
      to: z.string().max(64).optional(),
      custom_parameters: customParameters,
      media_format: z.object({
        encoding: z.literal('audio/x-raw'),
        sample_rate: wireInteger.refine((rate) => SAMPLE_RATES.includes(rate), 'sample_rate must be 8000, 16000 or 24000'),
        // Bits per sample despite the name; anything but 16 would be misread as PCM16.
        bit_rate: wireInteger.refine((bits) => bits === 16, 'bit_rate must be 16').optional(),
      }),
    }),
  })
  .transform(({ start }): StreamEvent => ({
    kind: 'start',
    streamSid: start.stream_sid,
    callSid: start.call_sid,
    customParameters: start.custom_parameters,
    sampleRate: start.media_format.sample_rate,
    encoding: 'pcm16',
    ...(start.from ? { from: start.from } : {}),
    ...(start.to ? { to: start.to } : {}),
  }));

const Media = z
  .object({
    media: z.object({
      chunk: wireInteger.optional(),
      timestamp: wireInteger.optional(),
      // An odd byte count cannot be whole 16-bit samples: the frame is truncated or not PCM16.
      payload: base64Audio.refine((pcm) => pcm.length % 2 === 0, 'PCM16 payload has an odd number of bytes'),
    }),
  })
  .transform(({ media }): StreamEvent => ({
    kind: 'media',
    payload: media.payload,
    timestamp: media.timestamp,
    chunk: media.chunk,
  }));

const Dtmf = z
  .object({ dtmf: z.object({ digit: dtmfDigit, duration: wireInteger.optional() }) })
  .transform(({ dtmf }): StreamEvent => ({ kind: 'dtmf', digit: dtmf.digit }));

// reason: "stopped" (the applet ended) or "callended" (the caller hung up); kept open-ended so
// a new reason does not break a live call.
const Stop = z
  .object({ stop: z.object({ call_sid: sid.optional(), account_sid: sid.optional(), reason: z.string().max(64).optional() }) })
  .transform(({ stop }): StreamEvent => ({ kind: 'stop', reason: stop.reason, ...(stop.reason === 'callended' && { callEnded: true }) }));

const INBOUND = { connected: Connected, start: Start, media: Media, dtmf: Dtmf, mark: markEvent, stop: Stop };

/** The wire protocol the codec is built from (its schemas also check the codec's quick media path). */
export const exotelStreamProtocol: JsonStreamProtocol = {
  provider: PROVIDER,
  streamSidField: 'stream_sid',
  inbound: INBOUND,
  mediaRule: { wholeSamples: true },
  outboundRule: OUTBOUND_RULE,
  sampleRates: SAMPLE_RATES,
};

export const exotelStreamCodec: MediaStreamCodec = jsonStreamCodec(exotelStreamProtocol);
