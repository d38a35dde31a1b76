// Twilio Media Streams over <Connect><Stream> (bidirectional): camelCase JSON text frames,
// audio as base64 μ-law, 8 kHz mono, no file headers. Twilio sends sequenceNumber, chunk and
// timestamp as strings; sampleRate as a number. Binary frames are refused by Twilio (31950).
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

const PROVIDER = 'twilio';
const SAMPLE_RATE = 8000;

/**
 * Twilio states no per-message size: any whole number of μ-law bytes plays. One second per
 * frame keeps each text frame near 11 KB; the pacing that stays under Twilio's 10 minutes of
 * buffered audio (error 31931) is the gateway's job.
 */
const OUTBOUND_RULE: OutboundChunkRule = Object.freeze({ min: 1, multiple: 1, max: SAMPLE_RATE, silenceByte: 0xff });

const Connected = z
  .object({ protocol: z.string().max(64).optional(), version: z.string().max(64).optional() })
  .transform((): StreamEvent => ({ kind: 'connected' }));

const Start = z
  .object({
    start: z.object({
      streamSid: sid,
      callSid: sid,
      accountSid: sid.optional(),
      tracks: z.array(z.string()).optional(),
      customParameters,
      mediaFormat: z.object({
        encoding: z.literal('audio/x-mulaw'),
        sampleRate: wireInteger.refine((rate) => rate === SAMPLE_RATE, 'sampleRate must be 8000'),
        channels: wireInteger.refine((n) => n === 1, 'channels must be 1').optional(),
      }),
    }),
  })
  .transform(({ start }): StreamEvent => ({
    kind: 'start',
    streamSid: start.streamSid,
    callSid: start.callSid,
    customParameters: start.customParameters,
    sampleRate: start.mediaFormat.sampleRate,
    encoding: 'mulaw',
  }));

const Media = z
  .object({
    media: z.object({
      // A two-way stream carries only the caller ("inbound"); "outbound" audio appears on
      // one-way both_tracks streams and would be mistaken for the caller's voice.
      track: z.literal('inbound', { errorMap: () => ({ message: 'only the caller\'s ("inbound") track is expected' }) }).optional(),
      chunk: wireInteger.optional(),
      timestamp: wireInteger.optional(),
      payload: base64Audio,
    }),
  })
  .transform(({ media }): StreamEvent => ({
    kind: 'media',
    payload: media.payload,
    timestamp: media.timestamp,
    chunk: media.chunk,
  }));

const Dtmf = z
  .object({ dtmf: z.object({ track: z.string().max(32).optional(), digit: dtmfDigit }) })
  .transform(({ dtmf }): StreamEvent => ({ kind: 'dtmf', digit: dtmf.digit }));

// Twilio gives no reason: the stream ended because the call ended or its TwiML was replaced.
const Stop = z
  .object({ stop: z.object({ accountSid: sid.optional(), callSid: sid.optional() }) })
  .transform((): StreamEvent => ({ kind: 'stop' }));

const INBOUND = { connected: Connected, start: Start, media: Media, dtmf: Dtmf, mark: markEvent, stop: Stop };

/** The wire protocol the codec is built from (its schemas also check the codec's quick media path). */
export const twilioStreamProtocol: JsonStreamProtocol = {
  provider: PROVIDER,
  streamSidField: 'streamSid',
  inbound: INBOUND,
  mediaRule: { track: 'inbound' },
  outboundRule: OUTBOUND_RULE,
  sampleRates: [SAMPLE_RATE],
};

export const twilioStreamCodec: MediaStreamCodec = jsonStreamCodec(twilioStreamProtocol);
