/**
 * The callers' side of test/bench/media.bench.ts, run in its own process so the gateway's CPU
 * can be measured alone: `node --import tsx test/bench/media-callers.ts <streams> <http base url> <exotel|twilio|browser>`.
 * Each caller opens a media stream, sends start, then one 20 ms frame every 20 ms in real time
 * (low noise with a burst of real speech every CYCLE_MS, so the endpointer sees barge-ins),
 * echoes marks as the audio plays (StreamCaller), and presses a key after each barge-in (or when
 * the gateway goes quiet) so the stub answers with the long prompt again and outbound never stops.
 * Talks to the parent over IPC: sends 'ready'; 'measure' resets counters; 'stop' returns stats.
 */
import { twilioSignature, toWebSocketOrigin } from '../../providers/twilio/signature';
import { pcm16ToBytesLE, pcm16ToMulaw } from '../../lib/audio';
import { StreamCaller, type StreamProvider } from '../fakes/stream-caller';
import { speak } from '../speech';

const FRAME_MS = 20;
const CYCLE_MS = 5000; // one speech burst every 5 s
const NOISE_AMPLITUDE = 60; // about -55 dBFS
const LATE_MS = FRAME_MS; // a frame sent more than one frame after its due time is late
const QUIET_MS = 1500; // no prompt audio for this long: press a key to get it back

const [streams, baseUrl, provider] = [Number(process.argv[2]), process.argv[3], process.argv[4] as StreamProvider];
/** The simulator's tab streams 16 kHz PCM16; the carriers 8 kHz (Exotel PCM16, Twilio μ-law). */
const SAMPLE_RATE = provider === 'browser' ? 16000 : 8000;
const FRAME_SAMPLES = (SAMPLE_RATE * FRAME_MS) / 1000;
const LINE_BYTES_PER_MS = provider === 'twilio' ? 8 : (SAMPLE_RATE / 1000) * 2;

const stats = { sent: 0, late: 0, maxLateMs: 0, outboundBytes: 0, bargeIns: 0, keys: 0, cpu: process.cpuUsage(), at: performance.now() };

/** One cycle of caller audio, as each frame's base64 payload in the provider's encoding. */
async function cyclePayloads(): Promise<string[]> {
  const speech = await speak('Yes, that is right, please go ahead.', 'en', SAMPLE_RATE);
  const samples = new Int16Array((CYCLE_MS / 1000) * SAMPLE_RATE);
  for (let i = 0; i < samples.length; i++) {
    const noise = Math.round((Math.random() * 2 - 1) * NOISE_AMPLITUDE);
    samples[i] = Math.max(-32768, Math.min(32767, (i < speech.length ? speech[i] : 0) + noise));
  }
  const payloads: string[] = [];
  for (let at = 0; at < samples.length; at += FRAME_SAMPLES) {
    const frame = samples.subarray(at, at + FRAME_SAMPLES);
    const bytes = provider === 'twilio' ? Buffer.alloc(FRAME_SAMPLES) : pcm16ToBytesLE(frame);
    if (provider === 'twilio') pcm16ToMulaw(frame, bytes);
    payloads.push(bytes.toString('base64'));
  }
  return payloads;
}

async function openCaller(i: number, payloads: string[]): Promise<() => void> {
  const path = `/media/${provider}`;
  const url = toWebSocketOrigin(baseUrl) + path;
  const headers: Record<string, string> =
    provider === 'exotel'
      ? { authorization: 'Basic ' + Buffer.from(`${process.env.EXOTEL_STREAM_USER}:${process.env.EXOTEL_STREAM_PASSWORD}`).toString('base64') }
      : provider === 'browser'
        ? { authorization: `Bearer ${process.env.OPS_PASSWORD}` } // a program's way in to the simulator's socket
        : { 'x-twilio-signature': twilioSignature(process.env.TWILIO_AUTH_TOKEN!, url) };
  const caller = await StreamCaller.open(url, provider, headers);
  const callSid = provider === 'browser' ? `BR${i.toString(16).padStart(32, '0')}` : `CA${String(i).padStart(30, '0')}`;
  const streamSid = `MZ${callSid.slice(0, 30)}`;
  caller.start(callSid, { callId: `bench-${i}` }, SAMPLE_RATE);

  let frame = Math.floor(Math.random() * payloads.length); // spread the speech bursts across callers
  let seq = 0;
  let lastMediaAt = performance.now();
  let lastKeyAt = 0;
  let clears = 0;
  let timer: NodeJS.Timeout | undefined;
  // Frames are due on a fixed grid from the first one (no drift); a late timer sends what is due.
  let due = performance.now() + (i / streams) * FRAME_MS;

  const press = (now: number) => {
    caller.dtmf('1');
    lastKeyAt = now;
    stats.keys++;
  };

  const tick = () => {
    const now = performance.now();
    while (due <= now) {
      const lateMs = now - due;
      stats.sent++;
      if (lateMs > LATE_MS) stats.late++;
      stats.maxLateMs = Math.max(stats.maxLateMs, lateMs);
      const payload = payloads[frame];
      frame = (frame + 1) % payloads.length;
      seq++;
      caller.send(
        provider === 'exotel'
          ? `{"event":"media","stream_sid":"${streamSid}","media":{"chunk":"${seq}","timestamp":"${seq * FRAME_MS}","payload":"${payload}"}}`
          : provider === 'browser'
            ? `{"event":"media","streamSid":"${streamSid}","media":{"chunk":${seq},"timestamp":${seq * FRAME_MS},"payload":"${payload}"}}`
            : `{"event":"media","sequenceNumber":"${seq + 1}","streamSid":"${streamSid}","media":{"track":"inbound","chunk":"${seq}","timestamp":"${seq * FRAME_MS}","payload":"${payload}"}}`,
      );
      due += FRAME_MS;
    }
    // What the gateway sent since the last tick (StreamCaller already echoed the marks).
    for (const message of caller.received) {
      if (message.event === 'media') {
        stats.outboundBytes += Buffer.byteLength(message.media.payload, 'base64');
        lastMediaAt = now;
      }
    }
    caller.received.length = 0;
    if (caller.clears > clears) {
      stats.bargeIns += caller.clears - clears;
      clears = caller.clears;
      press(now); // the stub answers any key with the prompt again
    } else if (now - lastMediaAt > QUIET_MS && now - lastKeyAt > QUIET_MS) {
      press(now);
    }
    if (!caller.closed) timer = setTimeout(tick, due - performance.now());
  };
  timer = setTimeout(tick, due - performance.now());
  return () => {
    clearTimeout(timer);
    caller.close();
  };
}

async function main(): Promise<void> {
  const payloads = await cyclePayloads();
  const stops = await Promise.all(Array.from({ length: streams }, (_, i) => openCaller(i, payloads)));
  process.send!({ type: 'ready' });
  process.on('message', (message: string) => {
    if (message === 'measure') {
      Object.assign(stats, { sent: 0, late: 0, maxLateMs: 0, outboundBytes: 0, bargeIns: 0, keys: 0, cpu: process.cpuUsage(), at: performance.now() });
    } else if (message === 'stop') {
      const wallMs = performance.now() - stats.at;
      const cpu = process.cpuUsage(stats.cpu);
      const outboundMs = stats.outboundBytes / LINE_BYTES_PER_MS;
      process.send!({
        type: 'stats',
        sentPerSecond: stats.sent / (wallMs / 1000),
        late: stats.late,
        sent: stats.sent,
        maxLateMs: stats.maxLateMs,
        outboundAudioRatio: outboundMs / (wallMs * streams),
        bargeIns: stats.bargeIns,
        keys: stats.keys,
        cpuPercent: ((cpu.user + cpu.system) / 1000 / wallMs) * 100,
      });
      stops.forEach((stop) => stop());
      setTimeout(() => process.exit(0), 200);
    }
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
