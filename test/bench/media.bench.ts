/**
 * How many concurrent bidirectional media streams one gateway process sustains, 20 ms frames
 * inbound. Run: npx tsx test/bench/media.bench.ts   (or npm run bench:media)
 *   MEDIA_BENCH_STREAMS="25,50,100,200"  stream counts to try
 *   MEDIA_BENCH_SECONDS=10               measured seconds per count (after a 2 s warm-up)
 *   MEDIA_BENCH_PROVIDERS="exotel,twilio,browser" protocols to run (browser: the phone simulator's tab, PCM16 at 16 kHz)
 * The gateway (MediaStreams + a CallControl stub, no Temporal) runs here; the callers run in a
 * child process (media-callers.ts) so process.cpuUsage() here is the gateway's alone. Outbound,
 * the stub keeps a ~20 s prompt playing (Playback paces it in 200 ms chunks with marks).
 * Both processes share this machine's cores (and the machine may be shared): figures are noisy.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { CallControl } from '../../providers/types';
import type { MediaSession } from '../../gateway/media/session';
import type { NextPrompt } from '../../workflows/types';
import { measureWindow, nextMessage, percentile, sleep, tableRow } from './measure';

const STREAMS = (process.env.MEDIA_BENCH_STREAMS ?? '25,50,100,200').split(',').map(Number);
const SECONDS = Number(process.env.MEDIA_BENCH_SECONDS ?? 10);
const PROVIDERS = (process.env.MEDIA_BENCH_PROVIDERS ?? 'exotel,twilio,browser').split(',') as ('exotel' | 'twilio' | 'browser')[];
const WARMUP_MS = 2000;
const PROMPT_TEXT =
  'Hello, this is a call from the restaurant about your order. We have received it and the kitchen is ' +
  'preparing it now. A rider will pick it up shortly and bring it to your address. If anything is wrong ' +
  'with the order, please tell us now, or press one to confirm that everything is correct.';

const HEADERS = ['provider', 'streams', 'in frames/s', 'frame p50 µs', 'frame p99 µs', 'out jitter p99 ms', 'loop lag p99 ms', 'gateway CPU %', 'CPU ms/stream-s',
  '| callers:', 'late frames', 'max send lag ms', 'out audio', 'barge-ins', 'CPU %', 'sustained'];
const row = tableRow(HEADERS);

async function main(): Promise<void> {
  Object.assign(process.env, {
    LOG_LEVEL: 'error', // before the logger is loaded: a dropped utterance logs a warning
    EXOTEL_STREAM_USER: 'bench',
    EXOTEL_STREAM_PASSWORD: 'bench-stream-password',
    TWILIO_AUTH_TOKEN: 'bench-twilio-auth-token',
    OPS_PASSWORD: 'bench-ops-password', // the simulator's socket takes the ops password as a bearer token
  });
  delete process.env.REDIS_URL; // in-process cache
  delete process.env.ASR_URL;
  delete process.env.DEEPGRAM_API_KEY;
  delete process.env.TTS_URL;

  const server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  process.env.PUBLIC_BASE_URL = baseUrl;

  const { loadConfig, resetConfig } = await import('../../lib/config');
  const { cache } = await import('../../lib/cache');
  const { synthesizeToCache } = await import('../../speech/tts');
  const { attachMediaStreams } = await import('../../gateway/media/server');
  resetConfig();

  const audioUrl = await synthesizeToCache(PROMPT_TEXT, 'en');
  // Every answer is the same long prompt under a new sequence number, so it is played again.
  let seq = 0;
  const prompt = (): NextPrompt => ({ id: 'bench', text: PROMPT_TEXT, audioUrl, hangup: false, seq: ++seq });
  const stubControl: CallControl = {
    resolveCallId: async (_callSid, hint) => hint ?? 'bench',
    reportStatus: async () => 'accepted',
    currentPrompt: async () => prompt(),
    submitDigits: async () => prompt(), // the callers press a key after each barge-in: play it again
    submitUtterance: async () => prompt(),
    promptInterrupted: async () => {},
    // The first watch gets the greeting; later ones stay open, as a quiet call's would.
    watchPrompt: (_callId, { afterSeq }) => (afterSeq === 0 ? Promise.resolve(prompt()) : new Promise<NextPrompt>(() => {})),
    startInbound: async () => ({ refused: 'not benchmarked', reason: 'no_route' }), // every bench caller names its call
  };
  const media = attachMediaStreams(server, stubControl, cache(), loadConfig());

  console.log(`media streams bench: Node ${process.version}, ${os.cpus().length} CPUs, ${SECONDS} s per run after ${WARMUP_MS / 1000} s warm-up (shared machine: figures are noisy)`);
  console.log(row(HEADERS));
  const sustained: Record<string, number> = {};
  for (const provider of PROVIDERS) {
    for (const n of STREAMS) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'media-callers.ts'), String(n), baseUrl, provider], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      await nextMessage(child, 'ready');
      await sleep(WARMUP_MS);

      // Start of the window: where each session's records stand now.
      const marks = new Map<MediaSession, { frames: number; jitter: number }>();
      for (const s of media.sessions) marks.set(s, { frames: s.frameTimesMs.count, jitter: s.playbackJitterMs?.count ?? 0 });
      const { wallMs, cpuMs, loopLagP99 } = await measureWindow(child, SECONDS);
      const frameTimes: number[] = [];
      const jitter: number[] = [];
      for (const [s, mark] of marks) {
        frameTimes.push(...s.frameTimesMs.since(mark.frames));
        jitter.push(...(s.playbackJitterMs?.since(mark.jitter) ?? []));
      }
      const callersDone = nextMessage(child, 'stats');
      child.send('stop');
      const callers = await callersDone;
      await new Promise((r) => child.once('exit', r));
      while (media.sessions.size > 0) await sleep(50);

      frameTimes.sort((a, b) => a - b);
      jitter.sort((a, b) => a - b);
      // Sustained: every frame handled, outbound on time (well inside Playback's 240 ms lead), callers not held up.
      const ok = frameTimes.length >= 0.99 * n * 50 * (wallMs / 1000) && percentile(jitter, 99) < 100 && callers.late <= 0.001 * callers.sent;
      if (ok) sustained[provider] = Math.max(sustained[provider] ?? 0, n);
      console.log(row([
        provider,
        n,
        (frameTimes.length / (wallMs / 1000)).toFixed(0),
        (percentile(frameTimes, 50) * 1000).toFixed(0),
        (percentile(frameTimes, 99) * 1000).toFixed(0),
        percentile(jitter, 99).toFixed(1),
        loopLagP99,
        ((cpuMs / wallMs) * 100).toFixed(1),
        (cpuMs / (n * (wallMs / 1000))).toFixed(2),
        '|',
        `${callers.late}/${callers.sent}`,
        callers.maxLateMs.toFixed(1),
        `${(callers.outboundAudioRatio * 100).toFixed(0)}%`,
        callers.bargeIns,
        callers.cpuPercent.toFixed(1),
        ok ? 'yes' : 'NO',
      ]));
    }
  }
  console.log(
    'in frames/s: inbound media frames the gateway handled (expected 50 x streams); frame µs: MediaSession.onFrame time (parse + decode + VAD);\n' +
      'out jitter: Playback chunk lateness vs schedule; loop lag: event-loop delay beyond a 10 ms timer; late frames: caller frames sent > 20 ms after due;\n' +
      'out audio: prompt audio received by callers per second of real time (~100%: outbound never stopped; over 100% when a\n' +
      'barge-in restarts the prompt, whose first 240 ms go out at once); barge-ins: prompts the callers\' speech interrupted (endpointer working).',
  );
  for (const provider of PROVIDERS) console.log(`${provider}: sustained up to ${sustained[provider] ?? 0} of the stream counts tried (≥99% of frames handled, out jitter p99 < 100 ms, ≤0.1% late caller frames)`);
  media.closeAll();
  server.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
