/**
 * The far ends of test/bench/bridge.bench.ts, in their own process so the gateway's CPU is measured
 * alone: `node --import tsx test/bench/bridge-load.ts <streams> <http base url> <exotel|twilio> <reply ms>`.
 * It runs the fake Realtime server and the callers, so both latencies are read on one clock:
 * - provider frame → Realtime: a caller sends a 20 ms frame; the fake receives the bridge's
 *   input_audio_buffer.append carrying it (one per frame, in order per stream, unless the bridge ran
 *   late and joined the frames it read together: then each frame in the append counts);
 * - Realtime audio → provider frame: the fake sends an output_audio.delta; the caller receives the
 *   first media frame carrying its audio (counted in ms of audio).
 * Callers send near-silence (the fake's VAD hears no speech, so the model is never interrupted).
 * Talks to the parent over IPC: sends 'realtime' (the fake's URL), then after 'open' 'ready';
 * 'measure' resets the samples; 'stop' returns the figures.
 */
import { FakeRealtimeServer, syntheticVoice } from '../fakes/openai-realtime';
import { StreamCaller, type StreamProvider } from '../fakes/stream-caller';
import { twilioSignature, toWebSocketOrigin } from '../../providers/twilio/signature';
import { percentile } from './measure';

const FRAME_MS = 20;
/**
 * The model's audio: 200 ms deltas every 400 ms. Slower than real time on purpose, so the caller's
 * side has played out each delta before the next comes and the figure is what the bridge adds,
 * not the queue of a reply that arrives faster than it can be played (the real API's usual case).
 */
const DELTA_MS = 200;
const DELTA_INTERVAL_MS = 400;
const [streams, baseUrl, provider, replyMs] = [Number(process.argv[2]), process.argv[3], process.argv[4] as StreamProvider, Number(process.argv[5])];
/** Bytes per ms of audio: the line (μ-law 8 kHz or PCM16 8 kHz) and the model's side (pcmu, or 24 kHz PCM16). */
const LINE_BYTES_PER_MS = provider === 'twilio' ? 8 : 16;
const MODEL_BYTES_PER_MS = provider === 'twilio' ? 8 : 48;
const SILENCE = Buffer.alloc(FRAME_MS * LINE_BYTES_PER_MS, provider === 'twilio' ? 0xff : 0).toString('base64');

interface Stream {
  ready: Promise<void>;
  markReady(): void;
  /** Send times of frames the bridge has not forwarded yet, oldest first. */
  sentAt: number[];
  /** Model audio sent so far (ms) and where each delta starts in it. */
  modelAudioMs: number;
  deltas: { startMs: number; at: number }[];
  lineAudioMs: number;
}

const samples = { inbound: [] as number[], outbound: [] as number[], appends: 0, sent: 0, late: 0, at: performance.now(), cpu: process.cpuUsage() };
const byConnection = new Map<number, Stream>();
/** The caller being opened: the next session.update on a connection nobody owns is its bridge's (a failed connect attempt sends none). */
let opening: Stream | undefined;
const READY_WITHIN_MS = 30_000;
/** Callers whose bridge opened no model session in time (the machine could not keep up): no more are opened. */
let notBridged = 0;

const realtime = new FakeRealtimeServer({
  apiKey: 'sk-bench-realtime-key',
  record: false,
  observe: (direction, connection, event) => {
    if (direction === 'received' && event.type === 'session.update' && !byConnection.has(connection) && opening) {
      byConnection.set(connection, opening);
      opening.markReady();
      opening = undefined;
      return;
    }
    const stream = byConnection.get(connection);
    if (!stream) return;
    const now = performance.now();
    if (direction === 'received' && event.type === 'input_audio_buffer.append') {
      // A bridge running late joins the frames it read together into one append: each counts.
      const frames = Math.max(1, Math.round(Buffer.byteLength(event.audio, 'base64') / (FRAME_MS * MODEL_BYTES_PER_MS)));
      for (let i = 0; i < frames; i++) {
        const at = stream.sentAt.shift();
        samples.appends++;
        if (at !== undefined) samples.inbound.push(now - at);
      }
    } else if (direction === 'sent' && event.type === 'response.output_audio.delta') {
      stream.deltas.push({ startMs: stream.modelAudioMs, at: now });
      stream.modelAudioMs += Buffer.byteLength(event.delta, 'base64') / MODEL_BYTES_PER_MS;
    }
  },
});

function newStream(): Stream {
  let markReady = () => {};
  const ready = new Promise<void>((resolve) => (markReady = resolve));
  return { ready, markReady, sentAt: [], modelAudioMs: 0, deltas: [], lineAudioMs: 0 };
}

async function openCaller(i: number): Promise<() => void> {
  const stream = newStream();
  opening = stream; // callers open one at a time
  const url = toWebSocketOrigin(baseUrl) + `/media/${provider}`;
  const headers: Record<string, string> =
    provider === 'exotel'
      ? { authorization: 'Basic ' + Buffer.from(`${process.env.EXOTEL_STREAM_USER}:${process.env.EXOTEL_STREAM_PASSWORD}`).toString('base64') }
      : { 'x-twilio-signature': twilioSignature(process.env.TWILIO_AUTH_TOKEN!, url) };
  const caller = await StreamCaller.open(url, provider, headers);
  const callSid = `CA${String(i).padStart(30, '0')}`;
  const streamSid = `MZ${callSid.slice(0, 30)}`;
  caller.ws.on('message', (data) => {
    const message = JSON.parse(data.toString());
    if (message.event !== 'media') return;
    const now = performance.now();
    stream.lineAudioMs += Buffer.byteLength(message.media.payload, 'base64') / LINE_BYTES_PER_MS;
    while (stream.deltas.length > 0 && stream.deltas[0].startMs < stream.lineAudioMs) samples.outbound.push(now - stream.deltas.shift()!.at);
    caller.received.length = 0; // StreamCaller keeps every message; the bench needs none
  });
  caller.start(callSid, { callId: `bench-${i}` });
  let timeout: NodeJS.Timeout | undefined;
  const ready = await Promise.race([stream.ready.then(() => true), new Promise<boolean>((resolve) => (timeout = setTimeout(() => resolve(false), READY_WITHIN_MS)))]);
  clearTimeout(timeout);
  if (!ready) {
    opening = undefined;
    notBridged++;
    caller.close();
    return () => {};
  }

  let seq = 0;
  let timer: NodeJS.Timeout | undefined;
  let due = performance.now() + (i / streams) * FRAME_MS;
  const tick = () => {
    const now = performance.now();
    while (due <= now) {
      samples.sent++;
      if (now - due > FRAME_MS) samples.late++;
      seq++;
      stream.sentAt.push(performance.now());
      caller.send(
        provider === 'exotel'
          ? `{"event":"media","stream_sid":"${streamSid}","media":{"chunk":"${seq}","timestamp":"${seq * FRAME_MS}","payload":"${SILENCE}"}}`
          : `{"event":"media","sequenceNumber":"${seq + 1}","streamSid":"${streamSid}","media":{"track":"inbound","chunk":"${seq}","timestamp":"${seq * FRAME_MS}","payload":"${SILENCE}"}}`,
      );
      due += FRAME_MS;
    }
    if (!caller.closed) timer = setTimeout(tick, due - performance.now());
  };
  timer = setTimeout(tick, due - performance.now());
  return () => {
    clearTimeout(timer);
    caller.close();
  };
}

const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
};

async function main(): Promise<void> {
  // Each session's first response.create starts a long reply, paced in real time like the real API's.
  // One voice for every reply, made once at the session's output rate: the fake then only encodes it per session.
  const sampleRate = MODEL_BYTES_PER_MS === 8 ? 8000 : 24000;
  const voice = syntheticVoice(replyMs, sampleRate);
  realtime.script(Array.from({ length: streams }, () => ({ expectSpeech: false, respond: { say: 'Hello, City Clinic.', pcm: voice, sampleRate, paced: true, chunkMs: DELTA_MS, intervalMs: DELTA_INTERVAL_MS } })));
  process.send!({ type: 'realtime', url: await realtime.start() });
  const stops: (() => void)[] = [];
  process.on('message', async (message: string) => {
    if (message === 'open') {
      // A caller whose session does not come means the machine cannot keep up: the run goes on with those bridged so far.
      for (let i = 0; i < streams && notBridged === 0; i++) stops.push(await openCaller(i));
      process.send!({ type: 'ready' });
    } else if (message === 'measure') {
      Object.assign(samples, { inbound: [], outbound: [], appends: 0, sent: 0, late: 0, at: performance.now(), cpu: process.cpuUsage() });
    } else if (message === 'stop') {
      const wallMs = performance.now() - samples.at;
      const cpu = process.cpuUsage(samples.cpu);
      process.send!({
        type: 'stats',
        inbound: summary(samples.inbound),
        outbound: summary(samples.outbound),
        appendsPerSecond: samples.appends / (wallMs / 1000),
        bridged: stops.length - notBridged,
        sent: samples.sent,
        late: samples.late,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      });
      stops.forEach((stop) => stop());
      setTimeout(() => process.exit(0), 300);
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
