// Starts the real parts for integration tests: a Temporal dev server (the project's binary),
// a PostgreSQL database of its own (in the cluster scripts/with-services.sh started) and a Redis
// server of its own, so test files can run side by side, the gateway in this process, and the
// workers as child processes so a test can kill one. Fakes stand in for Exotel and Jupiter.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { after, before } from 'node:test';
import { Client as Pg } from 'pg';
import { startTemporalDevServer, type DevServer } from '../scripts/temporal';
import { FakeExotel } from './fakes/exotel';
import { FakeJupiter } from './fakes/jupiter';
import { FakeRealtimeServer } from './fakes/openai-realtime';
import { FakeSpeechHost } from './fakes/speech-host';
import { FakeTwilio } from './fakes/twilio';
import { recordHistories } from './support/histories';
import { workflowBundlePath } from './support/workflow-bundle';
import { type OfflineAsr, startOfflineAsr } from './support/offline-asr';
import { type IsolatedStorage, isolatedStorage } from './support/isolated-storage';
import { freePort } from './support/ports';

export { freePort };

const ROOT = path.resolve(__dirname, '..');
export const API_TOKEN = 'test-api-token';
export const WEBHOOK_SECRET = 'test-webhook-secret-123';
export const STREAM_PASSWORD = 'test-stream-password';
export const METRICS_TOKEN = 'test-metrics-token-0123';
const REALTIME_KEY = 'sk-test-realtime-key';

export interface HarnessOptions {
  /** Extra environment for the gateway and workers, e.g. call policy. */
  env?: Record<string, string>;
  /** Runs the gateway as a child process (like the workers) so a test can kill it. */
  gatewayProcess?: boolean;
  /** 'offline': transcribe with the real speech host (tiny.en) instead of the scripted fake. */
  asr?: 'fake' | 'offline';
  /** Start the workers' /metrics listeners (and the Temporal SDK's exporter) on free ports. */
  workerMetrics?: boolean;
}

export class Harness {
  temporal!: DevServer;
  client!: Client;
  exotel!: FakeExotel;
  jupiter!: FakeJupiter;
  twilio!: FakeTwilio;
  speechHost!: FakeSpeechHost;
  /** The real speech host, with `asr: 'offline'`. */
  offlineAsr?: OfflineAsr;
  realtime!: FakeRealtimeServer;
  private realtimeUrl = '';
  gatewayUrl = '';
  private gateway?: http.Server;
  media?: import('../gateway/media/server').MediaStreams;
  private workers = new Map<string, ChildProcess>();
  private gatewayChild?: ChildProcess;
  private env: Record<string, string> = {};
  private storage!: IsolatedStorage;
  private tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nerve-test-'));

  async start(options: HarnessOptions = {}): Promise<void> {
    const { DATABASE_URL } = process.env;
    if (!DATABASE_URL) throw new Error('run tests through `npm test` (it starts PostgreSQL and Redis)');

    const [temporalPort, gatewayPort] = await Promise.all([freePort(), freePort()]);
    // The workers' metrics listeners only where a test scrapes them: each is a port that another process could take meanwhile.
    const [callsMetricsPort, speechMetricsPort] = options.workerMetrics ? await Promise.all([freePort(), freePort()]) : [0, 0];
    this.jupiter = new FakeJupiter();
    this.twilio = new FakeTwilio('ACtest', 'test-twilio-token');
    this.speechHost = new FakeSpeechHost();
    this.realtime = new FakeRealtimeServer({ apiKey: REALTIME_KEY });
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    const hooks = `${gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`;
    this.exotel = new FakeExotel('test-account', 'test-key', 'test-token', { promptUrl: `${hooks}/prompt`, passthruUrl: `${hooks}/passthru` });

    const [temporal, bundlePath] = await Promise.all([
      startTemporalDevServer({ port: temporalPort }),
      workflowBundlePath(quietLogger),
      this.exotel.start(),
      this.jupiter.start(),
      this.twilio.start(),
      this.speechHost.start(),
      this.realtime.start().then((url) => (this.realtimeUrl = url)),
      isolatedStorage(DATABASE_URL).then((storage) => (this.storage = storage)),
      options.asr === 'offline' ? startOfflineAsr().then((asr) => (this.offlineAsr = asr)) : undefined,
    ]);
    this.temporal = temporal;

    this.env = {
      LOG_LEVEL: 'warn',
      PORT: String(gatewayPort),
      PUBLIC_BASE_URL: gatewayUrl,
      NERVE_API_TOKEN: API_TOKEN,
      TEMPORAL_ADDRESS: temporal.address,
      DATABASE_URL: this.storage.databaseUrl,
      REDIS_URL: this.storage.redisUrl,
      DATABASE_POOL_SIZE: '5',
      JUPITER_URL: this.jupiter.url,
      EXOTEL_API_URL: this.exotel.url,
      EXOTEL_SID: 'test-account',
      EXOTEL_API_KEY: 'test-key',
      EXOTEL_API_TOKEN: 'test-token',
      EXOTEL_CALLER_ID: '08047112233',
      EXOTEL_APP_ID: '424242',
      EXOTEL_WEBHOOK_SECRET: WEBHOOK_SECRET,
      EXOTEL_VOICEBOT_APP_ID: '515151',
      EXOTEL_STREAM_USER: 'exotel',
      EXOTEL_STREAM_PASSWORD: STREAM_PASSWORD,
      TWILIO_API_URL: this.twilio.url,
      TWILIO_ACCOUNT_SID: 'ACtest',
      TWILIO_AUTH_TOKEN: 'test-twilio-token',
      TWILIO_FROM_NUMBER: '+14155550100',
      ASR_URL: this.offlineAsr?.url ?? this.speechHost.url,
      LLM_URL: this.speechHost.url,
      REALTIME_URL: this.realtimeUrl,
      OPENAI_API_KEY: REALTIME_KEY,
      MEDIA_START_TIMEOUT_MS: '1500',
      WORKFLOW_BUNDLE_PATH: bundlePath,
      CALL_MAX_ATTEMPTS: '3',
      CALL_REDIAL_GAP_SECONDS: '0.5',
      CALL_RING_TIMEOUT_SECONDS: '20',
      CALL_INPUT_TIMEOUT_SECONDS: '20',
      TTS_SPEED: '2', // prompts at twice the usual rate: the tests wait on them in real time
      REPORT_RETRY_INITIAL_SECONDS: '0.2',
      REPORT_RETRY_MAX_SECONDS: '1',
      RIDER_CALL_BUFFER_MINUTES: '60',
      METRICS_TOKEN,
      WORKER_METRICS_HOST: '127.0.0.1',
      CALLS_WORKER_METRICS_PORT: String(callsMetricsPort),
      SPEECH_WORKER_METRICS_PORT: String(speechMetricsPort),
      ...options.env,
    };
    Object.assign(process.env, this.env);
    const { resetConfig, loadConfig } = await import('../lib/config');
    resetConfig();
    const { cache } = await import('../lib/cache');
    const { startGatewayServer } = await import('../gateway/server');

    const { dataConverter } = await import('../lib/data-converter');
    const { startTracing, tracingClientInterceptors } = await import('../lib/tracing'); // off unless the test sets OTEL_EXPORTER_OTLP_ENDPOINT
    // A fresh server on a loaded machine can take longer than the default 10 s to answer gRPC.
    const connection = await Connection.connect({ address: temporal.address, connectTimeout: '60s' });
    this.client = new Client({ connection, dataConverter: dataConverter(), interceptors: tracingClientInterceptors(startTracing('gateway')) });
    if (options.gatewayProcess) await this.startGateway();
    else {
      const gateway = await startGatewayServer(this.client, cache(), loadConfig(), '127.0.0.1');
      this.gateway = gateway.server;
      this.media = gateway.media;
    }
    this.gatewayUrl = gatewayUrl;
    await Promise.all([this.startWorker('calls'), this.startWorker('speech')]);
  }

  /** Starts a worker process and resolves once it polls its task queue. */
  async startWorker(kind: 'calls' | 'speech'): Promise<void> {
    this.workers.set(kind, await this.spawnService(path.join('workers', `${kind}.ts`), `${kind}-worker`, 'worker running'));
  }

  /** Starts the gateway as a child process (option gatewayProcess) on the harness's port; resolves once it listens. */
  async startGateway(): Promise<void> {
    this.gatewayChild = await this.spawnService(path.join('gateway', 'main.ts'), 'gateway', 'gateway listening');
  }

  /** Stops the child gateway: SIGKILL drops its sockets without a close frame, as in a crash; SIGTERM is a graceful shutdown. */
  async killGateway(signal: 'SIGKILL' | 'SIGTERM' = 'SIGKILL'): Promise<void> {
    const child = this.gatewayChild;
    this.gatewayChild = undefined;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }

  /** Runs one of the project's entry points with the harness's environment; resolves once it logs `ready`. */
  private async spawnService(script: string, service: string, ready: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, script)], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, LOG_LEVEL: 'info', NERVE_SERVICE: service },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${service} did not start: ${output}`)), 60_000);
      const onData = (chunk: Buffer) => {
        output = (output + chunk).slice(-4000);
        if (output.includes(ready)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${service} exited with ${code}: ${output}`));
      });
    });
    child.removeAllListeners('exit');
    return child;
  }

  /** Kills a worker the hard way, as a crash would. */
  async killWorker(kind: 'calls' | 'speech'): Promise<void> {
    const child = this.workers.get(kind);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    this.workers.delete(kind);
  }

  async api(method: string, route: string, body?: unknown, token: string | null = API_TOKEN): Promise<{ status: number; body: any }> {
    const response = await fetch(`${this.gatewayUrl}${route}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json().catch(() => null) };
  }

  /** Waits for the call's workflow to finish and returns its result. */
  result(callId: string): Promise<any> {
    return this.client.workflow.getHandle(callId).result();
  }

  async stop(): Promise<void> {
    await recordHistories(this.client); // only with RECORD_HISTORIES=<dir>
    await Promise.all([...this.workers.keys()].map((k) => this.killWorker(k as 'calls' | 'speech')));
    await this.killGateway();
    this.media?.closeAll();
    this.gateway?.closeAllConnections();
    if (this.gateway) await new Promise((r) => this.gateway!.close(r));
    await this.client?.connection.close();
    const { closeCache } = await import('../lib/cache');
    const { closeDb } = await import('../lib/db');
    const { closeRingBus } = await import('../providers/browser/ring-bus');
    const { closeCallEventLog } = await import('../lib/call-events');
    await Promise.all([closeCache(), closeDb(), closeRingBus(), closeCallEventLog(), this.exotel?.stop(), this.jupiter?.stop(), this.twilio?.stop(), this.speechHost?.stop(), this.realtime?.stop(), this.temporal?.stop(), this.offlineAsr?.stop()]);
    await this.storage?.stop();
    fs.rmSync(this.tmp, { recursive: true, force: true });
  }
}

const quietLogger = {
  log() {}, trace() {}, debug() {}, info() {}, warn() {},
  error(message: string, meta?: unknown) { console.error(message, meta); },
};

export function vendorOrder(orderId: string, overrides: Record<string, unknown> = {}) {
  return {
    order_id: orderId,
    vendor_id: `V-${orderId}`,
    vendor_phone: `+9198${orderId.replace(/\D/g, '').padStart(8, '0').slice(-8)}`,
    vendor_name: 'Sharma Dhaba',
    customer_name: 'Asha',
    order_items: [{ name: 'Paneer Tikka', quantity: 2, price: 220 }, { name: 'Butter Naan', quantity: 4 }],
    order_amount: 640,
    payment_method: 'prepaid',
    language: 'en',
    ...overrides,
  };
}

/** Asks for a vendor call over Exotel's IVR and waits for its dial; the callee is left to the test. */
export async function startVendorCall(h: Harness, orderId: string, overrides: Record<string, unknown> = {}) {
  const order = vendorOrder(orderId, overrides);
  const started = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
  if (started.status !== 202) throw new Error(`vendor call not started: ${started.status} ${JSON.stringify(started.body)}`);
  const connect = await h.exotel.waitForConnect(order.vendor_phone);
  return { order, callId: started.body.call_id as string, callSid: connect.callSid, connect };
}

export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** For a test file: starts the harness and a PostgreSQL client before its tests, stops both after. */
export function useHarness(options: HarnessOptions = {}) {
  const h = new Harness();
  const db = { pg: undefined as unknown as Pg };
  before(async () => {
    await h.start(options);
    db.pg = new Pg({ connectionString: process.env.DATABASE_URL });
    await db.pg.connect();
  }, { timeout: 180_000 });
  after(async () => {
    await db.pg?.end();
    await h.stop();
  });
  return { h, db };
}
