import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, test } from 'node:test';
import express from 'express';
import type { Cache } from '../../lib/cache';
import type { HttpError } from '../../lib/http-error';
import { loadConfig } from '../../lib/config';
import { ACTIVE_CALLS_KEY, presenceKey } from '../../lib/keys';
import { metricsRoutes } from './metrics';

const TOKEN = 'scraper-token-0123456789';
const servers: http.Server[] = [];
after(() => servers.forEach((s) => s.close()));

/** Just the presence set and rows the gauge reads; `down` makes Redis fail. */
function presence(rows: Record<string, object | null>, down = false) {
  const removed: string[] = [];
  const fail = () => Promise.reject(new Error('connection refused'));
  const stub = {
    smembers: async (key: string) => (down ? fail() : key === ACTIVE_CALLS_KEY ? Object.keys(rows) : []),
    get: async (key: string) => {
      const id = Object.keys(rows).find((i) => presenceKey(i) === key);
      return id && rows[id] ? JSON.stringify(rows[id]) : null;
    },
    srem: async (_key: string, ...members: string[]) => void removed.push(...members),
  };
  return { cache: stub as unknown as Cache, removed };
}

async function serve(cache: Cache, token?: string): Promise<string> {
  const app = express();
  app.use(metricsRoutes(cache, loadConfig({ NERVE_ENV: 'test', ...(token ? { METRICS_TOKEN: token } : {}) })));
  app.use((err: HttpError, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(err.status).json({ error: err.code })); // as the gateway's handler answers
  const server = http.createServer(app);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
}

describe('GET /metrics on the gateway', () => {
  test('not served without METRICS_TOKEN', async () => {
    const url = await serve(presence({}).cache);
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: 'not_found' });
  });

  test('only with the bearer token; active calls counted by type and status from the presence rows', async () => {
    const { cache, removed } = presence({
      'questionnaire-Q1': { call_type: 'questionnaire', status: 'IN_CALL' },
      'questionnaire-Q2': { call_type: 'questionnaire', status: 'IN_CALL' },
      'rider-assignment-P1': { call_type: 'rider-assignment', status: 'SCHEDULED' },
      'vendor-order-confirmation-X': null, // its row expired
    });
    const url = await serve(cache, TOKEN);
    const anonymous = await fetch(url);
    assert.equal(anonymous.status, 401);
    assert.deepEqual(await anonymous.json(), { error: 'unauthorized' });
    assert.equal((await fetch(url, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.match(text, /^nerve_calls_active\{type="questionnaire",status="IN_CALL"\} 2$/m);
    assert.match(text, /^nerve_calls_active\{type="rider-assignment",status="SCHEDULED"\} 1$/m);
    assert.doesNotMatch(text, /vendor-order-confirmation/);
    assert.deepEqual(removed, ['vendor-order-confirmation-X'], 'the expired id is pruned, as /active-calls does');
  });

  test('Redis down: the scrape still answers with the other series', async () => {
    const url = await serve(presence({}, true).cache, TOKEN);
    const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(response.status, 200);
    assert.match(await response.text(), /^# TYPE nerve_calls_started_total counter$/m);
  });
});
