// Unit tests for the ops login: Basic credentials compared whole, a challenge for pages and a
// JSON error for the API and the stream.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { basicCredentials, requireOps } from './ops-auth';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

test('basicCredentials reads user and password (a password may hold colons)', () => {
  assert.deepEqual(basicCredentials(basic('ops', 'a:b:c')), { user: 'ops', password: 'a:b:c' });
  assert.equal(basicCredentials('Bearer abc'), undefined);
  assert.equal(basicCredentials(undefined), undefined);
  assert.equal(basicCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`), undefined);
});

let server: http.Server;
let base = '';
before(async () => {
  const app = express();
  app.use(requireOps({ user: 'ops', password: 'correct horse battery' }, (p) => p.startsWith('/api/')));
  app.get('/', (_req, res) => res.send('page'));
  app.get('/api/x', (_req, res) => res.json({ ok: true }));
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise((r) => server.close(r)));

test('a page without credentials gets 401 with a Basic challenge', async () => {
  const response = await fetch(`${base}/`);
  assert.equal(response.status, 401);
  assert.match(response.headers.get('www-authenticate') ?? '', /^Basic realm="nerve ops"/);
});

test('an API path without or with wrong credentials gets a JSON 401', async () => {
  for (const authorization of [undefined, basic('ops', 'wrong'), basic('someone', 'correct horse battery'), 'Bearer correct horse battery']) {
    const response = await fetch(`${base}/api/x`, { headers: authorization ? { authorization } : {} });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'unauthorized');
  }
});

test('the right credentials pass', async () => {
  const response = await fetch(`${base}/api/x`, { headers: { authorization: basic('ops', 'correct horse battery') } });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { ok: true });
});
