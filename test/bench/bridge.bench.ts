/**
 * What bridging a call to the speech-to-speech model costs one gateway process: the latency the
 * bridge adds from a provider frame to the Realtime socket and from the model's audio to a
 * provider frame (p50/p99), and CPU per stream-second, with every stream bridged at once.
 * Run: npx tsx test/bench/bridge.bench.ts   (or npm run bench:bridge)
 *   BRIDGE_BENCH_STREAMS="50,200"          concurrent bridged calls to try
 *   BRIDGE_BENCH_SECONDS=10                measured seconds per count (after a 2 s warm-up)
 *   BRIDGE_BENCH_PROVIDERS="twilio,exotel" protocols (Twilio's μ-law passes through; Exotel's PCM16 is resampled 8 ↔ 24 kHz)
 * The gateway (MediaStreams with the real AgentBridge and AgentVoice; Temporal stubbed) runs here;
 * the fake Realtime server and the callers run in a child process (bridge-load.ts), so
 * process.cpuUsage() here is the gateway's alone and both latencies are read on the child's one
 * clock. The model's reply comes in 200 ms deltas every 400 ms, so each finds the bridge's outbound
 * queue empty and its latency is the bridge's own work, not playout queueing. Both processes share
 * this machine's cores (and the machine may be shared): figures are noisy.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AgentControl, CallControl } from '../../providers/types';
import { measureWindow, nextMessage, sleep, tableRow } from './measure';

const STREAMS = (process.env.BRIDGE_BENCH_STREAMS ?? '50,200').split(',').map(Number);
const SECONDS = Number(process.env.BRIDGE_BENCH_SECONDS ?? 10);
const PROVIDERS = (process.env.BRIDGE_BENCH_PROVIDERS ?? 'twilio,exotel').split(',') as ('exotel' | 'twilio')[];
const WARMUP_MS = 2000;
const REALTIME_KEY = 'sk-bench-realtime-key';

const HEADERS = ['provider', 'streams', 'bridged', 'in frames/s', 'frame→RT p50 ms', 'frame→RT p99 ms', 'RT→frame p50 ms', 'RT→frame p99 ms', 'loop lag p99 ms', 'gateway CPU %', 'CPU ms/stream-s', '| load:', 'late frames', 'CPU %'];
const row = tableRow(HEADERS);

async function main(): Promise<void> {
  Object.assign(process.env, {
    LOG_LEVEL: 'error',
    EXOTEL_STREAM_USER: 'bench',
    EXOTEL_STREAM_PASSWORD: 'bench-stream-password',
    TWILIO_AUTH_TOKEN: 'bench-twilio-auth-token',
    OPENAI_API_KEY: REALTIME_KEY,
  });
  delete process.env.REDIS_URL; // in-process cache

  const server = http.createServer((_req, res) => res.writeHead(404).end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const baseUrl = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
  process.env.PUBLIC_BASE_URL = baseUrl;

  const { loadConfig, resetConfig } = await import('../../lib/config');
  const { cache } = await import('../../lib/cache');
  const { attachMediaStreams } = await import('../../gateway/media/server');
  resetConfig();

  // The workflow's side, stubbed: every stream is an appointment call with no conversation yet.
  const never = <T>() => new Promise<T>(() => {});
  const stubControl: CallControl = {
    resolveCallId: async (_callSid, hint) => hint ?? 'bench',
    reportStatus: async () => 'accepted',
    currentPrompt: async () => undefined,
    submitDigits: never,
    submitUtterance: never,
    promptInterrupted: async () => {},
    watchPrompt: never,
    startInbound: async () => ({ refused: 'not benchmarked', reason: 'no_route' }),
  };
  const stubAgent: AgentControl = {
    callType: async () => 'appointment-agent',
    runTool: async () => ({ output: '{}' }),
    recordTranscript: async () => {},
    watchAgentDirective: never,
    agentConversation: async () => [],
  };
  let media: ReturnType<typeof attachMediaStreams> | undefined;

  console.log(`bridge bench: Node ${process.version}, ${os.cpus().length} CPUs, ${SECONDS} s per run after ${WARMUP_MS / 1000} s warm-up (shared machine: figures are noisy)`);
  console.log(row(HEADERS));
  for (const provider of PROVIDERS) {
    for (const n of STREAMS) {
      // The model talks for the whole run (its deltas come at half real time): opening the streams, warm-up and the window.
      const replyMs = (WARMUP_MS / 1000 + SECONDS + 30) * 1000;
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'bridge-load.ts'), String(n), baseUrl, provider, String(replyMs)], {
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      const { url } = await nextMessage(child, 'realtime');
      process.env.REALTIME_URL = url;
      resetConfig();
      media ??= attachMediaStreams(server, stubControl, cache(), loadConfig(), stubAgent);
      const ready = nextMessage(child, 'ready');
      child.send('open');
      await ready;
      await sleep(WARMUP_MS);

      const { wallMs, cpuMs, loopLagP99 } = await measureWindow(child, SECONDS);
      const statsArrived = nextMessage(child, 'stats');
      child.send('stop');
      const load = await statsArrived;
      await new Promise((r) => child.once('exit', r));
      while (media.sessions.size > 0) await sleep(50);

      console.log(row([
        provider,
        n,
        load.bridged,
        load.appendsPerSecond.toFixed(0),
        load.inbound.p50.toFixed(2),
        load.inbound.p99.toFixed(2),
        load.outbound.p50.toFixed(1),
        load.outbound.p99.toFixed(1),
        loopLagP99,
        ((cpuMs / wallMs) * 100).toFixed(1),
        (cpuMs / (load.bridged * (wallMs / 1000))).toFixed(2),
        '|',
        `${load.late}/${load.sent}`,
        load.cpuPercent.toFixed(1),
      ]));
    }
  }
  console.log(
    'bridged: streams opened (the first whose model session does not open within 30 s stops the opening: the machine cannot keep up);\n' +
      'in frames/s: caller frames the bridge forwarded as input_audio_buffer.append (expected 50 x bridged);\n' +
      'frame→RT: caller sends a 20 ms frame → the fake Realtime server has its append (both sockets, decode/resample/encode, both event loops);\n' +
      'RT→frame: the fake sends a 200 ms output_audio.delta (one every 400 ms) → the caller receives the first media frame carrying it;\n' +
      'CPU: the gateway process only; load: the callers and the fake Realtime server (late frames: sent > 20 ms after due).',
  );
  media?.closeAll();
  server.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
