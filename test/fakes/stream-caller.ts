// A simulated caller on a provider's media-stream WebSocket, speaking the protocol as the
// provider documents it: Exotel's Voicebot (snake_case, PCM16 LE), Twilio's Media Streams
// (camelCase, μ-law) or the phone simulator's tab (providers/browser: camelCase, PCM16 LE at 16 kHz). It "plays" our audio in real time and echoes marks when their audio
// has played, as the providers do, and it speaks real audio frames in 20 ms.
import WebSocket from 'ws';
import { pcm16ToBytesLE, pcm16ToMulaw } from '../../lib/audio';

export type StreamProvider = 'exotel' | 'twilio' | 'browser';

/** Who rang which number, as Exotel's start event names them (Twilio's names neither). */
export interface StreamParties {
  from: string;
  to: string;
}

/** What an Exotel start carries when a test does not say: a caller and the harness's ExoPhone. */
const EXOTEL_PARTIES: StreamParties = { from: '+919800000001', to: '08047112233' };

/** Streams opened per CallSid in this process. */
const streamsOfCall = new Map<string, number>();

export class StreamCaller {
  readonly received: any[] = [];
  /** When each outbound media frame arrived (Date.now()). */
  readonly mediaAt: number[] = [];
  clears = 0;
  closed?: { code: number; reason: string };
  private playheadAt = 0;
  private lastMediaAt = 0;
  private pendingMarks: NodeJS.Timeout[] = [];
  private streamSid = '';
  /** Exotel streams at 8 kHz unless the Voicebot URL asks for 16 or 24 kHz; Twilio is always 8 kHz μ-law. */
  private sampleRate = 8000;

  private constructor(
    readonly ws: WebSocket,
    readonly provider: StreamProvider,
  ) {
    ws.on('message', (data) => this.onMessage(JSON.parse(data.toString())));
    ws.on('close', (code, reason) => (this.closed = { code, reason: reason.toString() }));
  }

  static open(url: string, provider: StreamProvider, headers: Record<string, string> = {}): Promise<StreamCaller> {
    const ws = new WebSocket(url, { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new StreamCaller(ws, provider)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** `parties` null: an Exotel start that names no caller (only the call's own id can place it). */
  start(callSid: string, customParameters: Record<string, string> = {}, sampleRate = 8000, parties: StreamParties | null = EXOTEL_PARTIES): void {
    // Every stream of a call has its own StreamSid (a call re-pointed at a new stream gets a new one).
    const streams = (streamsOfCall.get(callSid) ?? 0) + 1;
    streamsOfCall.set(callSid, streams);
    this.streamSid = streams === 1 ? `MZ${callSid.slice(0, 30)}` : `MZ${callSid.slice(0, 26)}s${String(streams).padStart(3, '0')}`;
    this.sampleRate = sampleRate;
    if (this.provider === 'exotel') {
      this.send({ event: 'connected' });
      this.send({
        event: 'start', sequence_number: '1', stream_sid: this.streamSid,
        start: {
          stream_sid: this.streamSid, call_sid: callSid, account_sid: 'test-account', ...(parties ?? {}),
          custom_parameters: customParameters, media_format: { encoding: 'audio/x-raw', sample_rate: String(sampleRate), bit_rate: '16' },
        },
      });
    } else if (this.provider === 'browser') {
      this.send({ event: 'connected' });
      this.send({
        event: 'start', streamSid: this.streamSid,
        start: { streamSid: this.streamSid, callSid, customParameters, mediaFormat: { encoding: 'audio/l16', sampleRate, channels: 1 } },
      });
    } else {
      this.send({ event: 'connected', protocol: 'Call', version: '1.0.0' });
      this.send({
        event: 'start', sequenceNumber: '1', streamSid: this.streamSid,
        start: {
          streamSid: this.streamSid, accountSid: 'ACtest', callSid, tracks: ['inbound'], customParameters,
          mediaFormat: { encoding: 'audio/x-mulaw', sampleRate: 8000, channels: 1 },
        },
      });
    }
  }

  /** Sends audio at the stream's rate as 20 ms media frames (as fast as the socket takes them). */
  speak(samples: Int16Array): void {
    const frameSamples = this.sampleRate / 50;
    for (let i = 0; i < samples.length; i += frameSamples) {
      const frame = samples.subarray(i, Math.min(i + frameSamples, samples.length));
      const payload = this.provider === 'twilio' ? mulawBytes(frame) : pcm16ToBytesLE(frame);
      this.send(
        this.provider === 'exotel'
          ? { event: 'media', stream_sid: this.streamSid, media: { chunk: String(i / frameSamples), timestamp: String((i * 1000) / this.sampleRate), payload: payload.toString('base64') } }
          : this.provider === 'browser'
            ? { event: 'media', streamSid: this.streamSid, media: { chunk: i / frameSamples, timestamp: (i * 1000) / this.sampleRate, payload: payload.toString('base64') } }
            : { event: 'media', sequenceNumber: String(i / 160 + 2), streamSid: this.streamSid, media: { track: 'inbound', chunk: String(i / 160), timestamp: String(i / 8), payload: payload.toString('base64') } },
      );
    }
  }

  silence(ms: number): void {
    this.speak(new Int16Array((ms * this.sampleRate) / 1000));
  }

  dtmf(digit: string): void {
    if (this.provider === 'exotel') this.send({ event: 'dtmf', stream_sid: this.streamSid, dtmf: { digit, duration: '200' } });
    else if (this.provider === 'browser') this.send({ event: 'dtmf', streamSid: this.streamSid, dtmf: { digit } });
    else this.send({ event: 'dtmf', streamSid: this.streamSid, sequenceNumber: '99', dtmf: { track: 'inbound_track', digit } });
  }

  stop(): void {
    if (this.provider === 'exotel') this.send({ event: 'stop', stream_sid: this.streamSid, stop: { call_sid: 'x', account_sid: 'test-account', reason: 'callended' } });
    else if (this.provider === 'browser') this.send({ event: 'stop', streamSid: this.streamSid, stop: { reason: 'hangup' } });
    else this.send({ event: 'stop', sequenceNumber: '100', streamSid: this.streamSid, stop: { accountSid: 'ACtest', callSid: 'x' } });
  }

  /** Waits until our side has sent a prompt and the caller has heard all of it. */
  async heardPrompt(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(this.lastMediaAt > 0 && Date.now() > this.playheadAt + 100 && Date.now() > this.lastMediaAt + 400)) {
      if (Date.now() > deadline) throw new Error('no complete prompt heard');
      await new Promise((r) => setTimeout(r, 20));
    }
    this.lastMediaAt = 0;
  }

  async waitFor(predicate: () => boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  close(): void {
    this.ws.close();
  }

  private onMessage(message: any): void {
    this.received.push(message);
    const now = Date.now();
    if (message.event === 'media') {
      const bytes = Buffer.from(message.media.payload, 'base64').length;
      const ms = this.provider === 'twilio' ? bytes / 8 : bytes / ((this.sampleRate / 1000) * 2);
      this.playheadAt = Math.max(now, this.playheadAt) + ms;
      this.mediaAt.push(now);
      this.lastMediaAt = now;
    } else if (message.event === 'mark') {
      const name = message.mark.name;
      const echo =
        this.provider === 'exotel'
          ? { event: 'mark', stream_sid: this.streamSid, mark: { name } }
          : this.provider === 'browser'
            ? { event: 'mark', streamSid: this.streamSid, mark: { name } }
            : { event: 'mark', streamSid: this.streamSid, sequenceNumber: '0', mark: { name } };
      this.pendingMarks.push(setTimeout(() => this.ws.readyState === WebSocket.OPEN && this.send(echo), Math.max(0, this.playheadAt - now)));
    } else if (message.event === 'clear') {
      this.clears++;
      this.pendingMarks.forEach(clearTimeout);
      this.pendingMarks = [];
      this.playheadAt = now;
      this.lastMediaAt = 0;
    }
  }
}

function mulawBytes(frame: Int16Array): Buffer {
  const out = Buffer.alloc(frame.length);
  pcm16ToMulaw(frame, out);
  return out;
}
