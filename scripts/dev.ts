// `npm start`: the whole system on one machine with nothing else installed. Starts the Temporal
// dev server (Web UI on), PostgreSQL (embedded PGlite when DATABASE_URL is unset), the cache
// (in-process when REDIS_URL is unset), both workers, the gateway, a simulated Exotel and a
// stand-in Jupiter, then places a demo call you can watch in the Temporal UI.
import path from 'node:path';
import { DEV_CODEC_TOKEN, loadConfig, resetConfig } from '../lib/config';
import { startTemporalDevServer } from './temporal';
import { migrate } from './migrate';
import { startOfflineSpeechUnlessConfigured } from './speech-host';
import { DEV_SIMULATOR_LINES } from '../gateway/simulator/dev-lines';

const STATE = path.resolve(__dirname, '..', '.cache', 'dev');
const env = (name: string, fallback: string) => (process.env[name] ??= fallback);

async function startEmbeddedPostgres(port: number): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
  const db = await PGlite.create(path.join(STATE, 'pglite'));
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1', maxConnections: 8 });
  await server.start();
  return `postgresql://postgres@127.0.0.1:${port}/postgres?sslmode=disable`;
}

async function main() {
  env('NERVE_ENV', 'development'); // a local run may use the built-in secrets
  const port = Number(env('PORT', '8080'));
  const temporalPort = Number(env('NERVE_TEMPORAL_PORT', '7233'));
  const uiPort = Number(env('NERVE_TEMPORAL_UI_PORT', '8233'));
  env('TEMPORAL_ADDRESS', `127.0.0.1:${temporalPort}`);
  env('DATABASE_POOL_SIZE', '4');

  // The Web UI decrypts payloads through the gateway's codec endpoint, which answers CORS for the UI's origin.
  const gatewayUrl = env('PUBLIC_BASE_URL', `http://localhost:${port}`);
  env('CODEC_CORS_ORIGINS', `http://localhost:${uiPort},http://127.0.0.1:${uiPort}`);
  env('INBOUND_ROUTES', JSON.stringify(DEV_SIMULATOR_LINES)); // a line per bot for /simulator

  console.error('starting the Temporal dev server...');
  const temporal = await startTemporalDevServer({ port: temporalPort, uiPort, dbFile: path.join(STATE, 'temporal.db'), codecEndpoint: `${gatewayUrl}/codec` });

  if (!process.env.DATABASE_URL) {
    console.error('DATABASE_URL unset: starting embedded PostgreSQL (PGlite)...');
    process.env.DATABASE_URL = await startEmbeddedPostgres(Number(env('NERVE_PGLITE_PORT', '55433')));
  }
  await migrate(process.env.DATABASE_URL!, () => {});

  // A simulated Exotel and Jupiter unless real ones are configured.
  const { FakeExotel } = await import('../test/fakes/exotel');
  const { FakeJupiter } = await import('../test/fakes/jupiter');
  const webhookSecret = env('EXOTEL_WEBHOOK_SECRET', 'dev-exotel-webhook-secret');
  let simulated = false;
  if (!process.env.EXOTEL_SID) {
    const hooks = `${gatewayUrl}/webhooks/exotel/${webhookSecret}`;
    const exotel = new FakeExotel('sim-account', 'sim-key', 'sim-token', { promptUrl: `${hooks}/prompt`, passthruUrl: `${hooks}/passthru` });
    // The simulated callee answers after a moment and accepts with a 30-minute prep time.
    exotel.script = () => ({ ring: 'answer', keys: ['1', '2'], keyDelayMs: 1500 });
    exotel.onScriptError = (err) => console.error('simulated callee:', (err as Error).message);
    Object.assign(process.env, {
      EXOTEL_API_URL: await exotel.start(), EXOTEL_SID: 'sim-account', EXOTEL_API_KEY: 'sim-key',
      EXOTEL_API_TOKEN: 'sim-token', EXOTEL_CALLER_ID: '08000000000', EXOTEL_APP_ID: 'sim-flow',
    });
    simulated = true;
  }
  if (!process.env.JUPITER_URL) {
    const jupiter = new FakeJupiter();
    process.env.JUPITER_URL = await jupiter.start();
  }

  const speech = await startOfflineSpeechUnlessConfigured(Number(env('NERVE_SPEECH_HOST_PORT', '55434')));

  resetConfig();
  const config = loadConfig();
  const { cache } = await import('../lib/cache');
  const { connectWorker } = await import('../workers/connection');
  const { createCallsWorker } = await import('../workers/calls-worker');
  const { createSpeechWorker } = await import('../workers/speech-worker');
  const { connectClient } = await import('../gateway/temporal');
  const { startGatewayServer } = await import('../gateway/server');

  const { DefaultLogger, Runtime } = await import('@temporalio/worker');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await connectWorker();
  const workers = await Promise.all([createCallsWorker(connection), createSpeechWorker(connection)]);
  const client = await connectClient();
  await startGatewayServer(client, cache(), config);
  const running = Promise.all(workers.map((w) => w.run()));

  console.log(`
  gateway      ${gatewayUrl}        (API token: ${config.NERVE_API_TOKEN === 'dev-token' ? 'dev-token' : 'from NERVE_API_TOKEN'})
  Temporal UI  http://localhost:${uiPort}  (payloads are encrypted; to read them, open ${gatewayUrl}/codec/login once,
               password: ${config.CODEC_AUTH_TOKEN === DEV_CODEC_TOKEN ? DEV_CODEC_TOKEN : 'CODEC_AUTH_TOKEN'}, then tick "include cross-origin credentials" in the UI's codec settings)
  simulator    ${gatewayUrl}/simulator/  (talk to the bots from this browser; any user name, password: ${config.CODEC_AUTH_TOKEN === DEV_CODEC_TOKEN ? DEV_CODEC_TOKEN : 'CODEC_AUTH_TOKEN'})
  Temporal     ${temporal.address}
  database     ${config.DATABASE_URL?.replace(/:[^:@/]+@/, ':***@')}
  cache        ${config.REDIS_URL ? 'Redis' : 'in-process'}
  speech (ASR) ${speech.asr}
  Exotel       ${simulated ? 'simulated (callee answers and presses 1, then 2)' : config.EXOTEL_API_URL}
`);

  if (simulated && process.env.NERVE_DEMO_CALL !== '0') {
    const orderId = `DEMO-${Date.now().toString(36).toUpperCase()}`;
    const response = await fetch(`http://localhost:${port}/api/nerve/vendor-order-confirmation`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${config.NERVE_API_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        order_id: orderId, vendor_id: 'V-DEMO', vendor_phone: '+919800000001', vendor_name: 'Demo Dhaba',
        order_items: [{ name: 'Masala Dosa', quantity: 2 }], order_amount: 240, language: 'hi',
      }),
    });
    const body = (await response.json()) as { call_id: string };
    console.log(`  demo call    ${body.call_id}: ${temporal.uiUrl}/namespaces/default/workflows/${body.call_id}\n`);
  }

  const shutdown = async () => {
    workers.forEach((w) => w.shutdown());
    await running.catch(() => {});
    await Promise.all([temporal.stop(), speech.host?.stop()]);
    process.exit(0);
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
