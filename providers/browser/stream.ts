// The phone simulator's media stream (/media/browser): a browser tab is the telephone. Our own
// protocol, shaped like Twilio's so the gateway treats it like any carrier: camelCase JSON text
// frames with an `event` name and the stream id at the top level.
//
// Audio both ways is 16-bit signed little-endian mono PCM ("audio/l16"), base64 in `payload`, at
// the rate the tab names in `start` (16000 Hz from the simulator page, 8000 allowed). The page's
// AudioWorklet sends one frame per 20 ms (320 samples at 16 kHz, 640 bytes); the gateway sends
// 200 ms chunks, each followed by a mark the page echoes once that audio has played, and `clear`
// when the caller talks over it (barge-in): the page drops what it has buffered.
//
// Inbound (tab → gateway):
//   {"event":"start","streamSid":"...","start":{"streamSid","callSid":"BR<32 hex>","customParameters":{"callId"?},
//      "from"?,"to"?,"mediaFormat":{"encoding":"audio/l16","sampleRate":16000,"channels":1}}}
//     an answered outbound call names it by callId (and its CallSid); a call the tab dials names `to` (the line) and `from` (itself)
//   {"event":"media","streamSid","media":{"payload","chunk"?,"timestamp"?}}
//   {"event":"dtmf","streamSid","dtmf":{"digit":"1"}}   a keypad press
//   {"event":"mark","streamSid","mark":{"name"}}        audio before our mark has played (or was cleared)
//   {"event":"stop","streamSid","stop":{"reason"?}}      the caller hung up
// Outbound (gateway → tab): media, mark, clear as above, and
//   {"event":"transcript","streamSid","transcript":{"speaker":"bot"|"caller","text"}}  the conversation as text
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import {
  base64Audio, customParameters, dtmfDigit, jsonStreamCodec, type JsonStreamProtocol, markEvent, sid, type MediaStreamCodec, type OutboundChunkRule, type StreamEvent, wireInteger,
} from '../media-stream';

const PROVIDER = 'browser';
export const BROWSER_SAMPLE_RATES: readonly number[] = [8000, 16000];

/** Outbound PCM16: whole samples, at least 10 ms at 16 kHz, at most one second. */
const OUTBOUND_RULE: OutboundChunkRule = Object.freeze({ min: 320, multiple: 2, max: 32_000, silenceByte: 0x00 });

/** Our CallSids for simulated calls: never the shape of a Twilio (CA…) or Exotel (32 hex) one, so a tab cannot name a real call. */
export const BrowserCallSid = z.string().regex(/^BR[0-9a-f]{32}$/, 'callSid must be BR followed by 32 lowercase hex digits');

export function newBrowserCallSid(): string {
  return 'BR' + randomBytes(16).toString('hex');
}

const phoneText = z.string().trim().min(1).max(32);

const Start = z
  .object({
    start: z.object({
      streamSid: sid,
      callSid: BrowserCallSid,
      customParameters,
      from: phoneText.optional(),
      to: phoneText.optional(),
      mediaFormat: z.object({
        encoding: z.literal('audio/l16'),
        sampleRate: wireInteger.refine((rate) => BROWSER_SAMPLE_RATES.includes(rate), `sampleRate must be ${BROWSER_SAMPLE_RATES.join(' or ')}`),
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
    encoding: 'pcm16',
    from: start.from,
    to: start.to,
  }));

const Media = z
  .object({
    media: z.object({
      chunk: wireInteger.optional(),
      timestamp: wireInteger.optional(),
      payload: base64Audio.refine((audio) => audio.length % 2 === 0, 'payload must be whole 16-bit samples'),
    }),
  })
  .transform(({ media }): StreamEvent => ({ kind: 'media', payload: media.payload, timestamp: media.timestamp, chunk: media.chunk }));

const Dtmf = z.object({ dtmf: z.object({ digit: dtmfDigit }) }).transform(({ dtmf }): StreamEvent => ({ kind: 'dtmf', digit: dtmf.digit }));

const Stop = z
  .object({ stop: z.object({ reason: z.string().max(64).optional() }).default({}) })
  .transform(({ stop }): StreamEvent => ({ kind: 'stop', reason: stop.reason }));

const Connected = z.object({}).transform((): StreamEvent => ({ kind: 'connected' }));

/** The wire protocol the codec is built from (its schemas also check the codec's quick media path). */
export const browserStreamProtocol: JsonStreamProtocol = {
  provider: PROVIDER,
  streamSidField: 'streamSid',
  inbound: { connected: Connected, start: Start, media: Media, dtmf: Dtmf, mark: markEvent, stop: Stop },
  mediaRule: { wholeSamples: true },
  outboundRule: OUTBOUND_RULE,
  sampleRates: BROWSER_SAMPLE_RATES,
};

const base = jsonStreamCodec(browserStreamProtocol);

export const browserStreamCodec: MediaStreamCodec = {
  ...base,
  transcript(streamSid, { speaker, text }) {
    if (!streamSid) throw new RangeError(`${PROVIDER}: streamSid is required`);
    return JSON.stringify({ event: 'transcript', streamSid, transcript: { speaker, text } });
  },
};
