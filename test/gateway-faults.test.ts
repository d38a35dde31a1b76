// The gateway when its dependencies fail: a stalled workflow (update deadlines), Temporal down
// (503 with Retry-After), and 500s whose logs must carry no secret.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, test } from 'node:test';
import { Client, Connection } from '@temporalio/client';
import WebSocket from 'ws';
import { freePort, useHarness, vendorOrder, WEBHOOK_SECRET } from './harness';

const UPDATE_DEADLINE_MS = 1500;
const { h } = useHarness({ env: { UPDATE_DEADLINE_MS: String(UPDATE_DEADLINE_MS) } });

const deadPort = freePort;

describe('update deadlines', () => {
  test('keys for a call whose worker is gone get 503 Retry-After within the deadline; the retry gets the answer', async () => {
    const order = vendorOrder('S1301');
    const started = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
    const { callSid } = await h.exotel.waitForConnect(order.vendor_phone);
    await h.exotel.answer(callSid);
    await h.killWorker('calls');
    let restarted = false;
    try {
      const url = h.exotel.passthruUrl(callSid, '1');
      const t0 = Date.now();
      const stalled = await Promise.race([
        h.exotel.sendPassthru(callSid, url),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('the stalled update never answered')), UPDATE_DEADLINE_MS + 10_000)),
      ]);
      const tookMs = Date.now() - t0;
      assert.equal(stalled.status, 503, JSON.stringify(stalled.body));
      assert.equal(stalled.body.error, 'retry_later');
      assert.ok(Number(stalled.retryAfter) >= 1, `Retry-After: ${stalled.retryAfter}`);
      // Well inside Exotel's Passthru timeout (15 s by default); a loaded machine may add seconds to the deadline.
      assert.ok(tookMs < 10_000, `answered after ${tookMs} ms`);
      await h.startWorker('calls');
      restarted = true;
      // As Exotel would: the same request again until the call answers (a new worker takes a few seconds).
      let retried = await h.exotel.sendPassthru(callSid, url);
      for (let i = 0; retried.status === 503 && i < 20; i++) retried = await h.exotel.sendPassthru(callSid, url);
      assert.deepEqual([retried.status, retried.body.prompt], [200, 'prep_time']);
      assert.deepEqual((await h.api('GET', `/api/nerve/calls/${started.body.call_id}`)).body.digits, ['1']);
    } finally {
      if (!restarted) await h.startWorker('calls');
    }
  });
});

describe('Temporal down', () => {
  test('webhooks answer 503 with Retry-After, not 500', { timeout: 60_000 }, async () => {
    const { createGateway } = await import('../gateway/app');
    const { cache } = await import('../lib/cache');
    const { loadConfig } = await import('../lib/config');
    const client = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await deadPort()}`, connectTimeout: 1000 }) });
    const server = http.createServer(createGateway(client, cache(), loadConfig()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/exotel/${WEBHOOK_SECRET}`;
    try {
      const t0 = Date.now();
      const status = await fetch(`${base}/status`, {
        method: 'POST',
        body: new URLSearchParams({ CallSid: 'CA-down', Status: 'completed', EventType: 'terminal', CustomField: 'vendor-order-confirmation-DOWN1' }),
      });
      assert.equal(status.status, 503, await status.clone().text());
      assert.ok(Number(status.headers.get('retry-after')) >= 1);
      // Unreachable (temporal_unavailable) or, once the client's own retries outlast our deadline, retry_later: both mean "again later".
      assert.match(((await status.json()) as { error: string }).error, /^(temporal_unavailable|retry_later)$/);
      const keys = await fetch(`${base}/passthru?CallSid=CA-down&digits=%221%22&CustomField=vendor-order-confirmation-DOWN1`);
      assert.equal(keys.status, 503);
      assert.ok(keys.headers.get('retry-after'));
      assert.ok(Date.now() - t0 < 15_000, 'both answered within one Exotel Passthru timeout (15 s by default)');
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await client.connection.close().catch(() => {});
    }
  });
});

describe('secrets never reach the logs', () => {
  test('a gateway whose Redis and Temporal are down logs its 500s without any secret', { timeout: 90_000 }, async () => {
    const secrets = { NERVE_API_TOKEN: 'api-token-Qz81LmVt', EXOTEL_WEBHOOK_SECRET: 'hook-secret-Wx93KpRa', EXOTEL_STREAM_PASSWORD: 'stream-pass-Jd27YtNe', CODEC_AUTH_TOKEN: 'codec-token-Hn52PsLq', OPS_PASSWORD: 'dash-pass-Tb64RmXc', PAYLOAD_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}` };
    const port = await deadPort();
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'gateway', 'main.ts')], {
      env: {
        ...process.env, ...secrets, NERVE_ENV: 'production', LOG_LEVEL: 'debug', PORT: String(port), PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
        REDIS_URL: `redis://127.0.0.1:${await deadPort()}`, TEMPORAL_ADDRESS: `127.0.0.1:${await deadPort()}`,
        DATABASE_URL: `postgresql://nerve@127.0.0.1:${await deadPort()}/nerve`, EXOTEL_STREAM_USER: 'exotel', UPDATE_DEADLINE_MS: '1000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (c) => (output += c));
    child.stderr!.on('data', (c) => (output += c));
    try {
      const deadline = Date.now() + 30_000;
      while (!output.includes('gateway listening')) {
        if (child.exitCode !== null || Date.now() > deadline) assert.fail(`gateway did not start: ${output}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const base = `http://127.0.0.1:${port}`;
      const hooks = `${base}/webhooks/exotel/${secrets.EXOTEL_WEBHOOK_SECRET}`;
      const answers = await Promise.all([
        fetch(`${hooks}/status`, { method: 'POST', body: new URLSearchParams({ CallSid: 'CA-log', Status: 'completed', EventType: 'terminal', CustomField: 'vendor-order-confirmation-LOG1' }) }),
        fetch(`${hooks}/passthru?CallSid=CA-log&digits=%221%22`),
        fetch(`${hooks}/prompt?CallSid=CA-log`),
        fetch(`${base}/api/nerve/calls/vendor-order-confirmation-LOG1`, { headers: { Authorization: `Bearer ${secrets.NERVE_API_TOKEN}` } }),
      ]);
      assert.ok(answers.some((a) => a.status === 500), `a webhook failed with 500: ${answers.map((a) => a.status)}`);
      // The Voicebot socket with the stream password; its start fails on the dead Redis.
      const auth = 'Basic ' + Buffer.from(`exotel:${secrets.EXOTEL_STREAM_PASSWORD}`).toString('base64');
      const ws = new WebSocket(`ws://127.0.0.1:${port}/media/exotel`, { headers: { Authorization: auth } });
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      ws.send(JSON.stringify({ event: 'start', stream_sid: 'MZlog', start: { stream_sid: 'MZlog', call_sid: 'CA-log', custom_parameters: {}, media_format: { encoding: 'audio/x-raw', sample_rate: '8000', bit_rate: '16' } } }));
      await new Promise((r) => ws.once('close', r));
      await new Promise((r) => setTimeout(r, 300)); // let the last lines flush
      assert.match(output, /request failed/, 'the failures were logged');
      for (const [name, value] of Object.entries(secrets)) {
        for (const form of [value, encodeURIComponent(value), Buffer.from(`exotel:${value}`).toString('base64')]) {
          assert.ok(!output.includes(form), `${name} appears in the log:\n${output.split('\n').filter((l) => l.includes(form)).join('\n')}`);
        }
      }
    } finally {
      child.kill('SIGKILL');
    }
  });
});
