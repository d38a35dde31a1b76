// The ops login: Basic with the ops user and password (compared whole), the password as a bearer,
// then the session cookie, from our own origin only; a challenge for pages, JSON for APIs.
import assert from 'node:assert/strict';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { basicCredentials, opsCredential, requireOps, sameOrigin } from './ops-auth';

const LOGIN = { user: 'ops', password: 'correct horse battery' };
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

test('basicCredentials reads user and password (a password may hold colons)', () => {
  assert.deepEqual(basicCredentials(basic('ops', 'a:b:c')), { user: 'ops', password: 'a:b:c' });
  assert.equal(basicCredentials('Bearer abc'), undefined);
  assert.equal(basicCredentials(undefined), undefined);
  assert.equal(basicCredentials(`Basic ${Buffer.from('no-colon').toString('base64')}`), undefined);
});

test('Basic with the ops user and password, or the password as bearer; anything else is refused', () => {
  assert.equal(opsCredential(request({ authorization: basic('ops', LOGIN.password) }), LOGIN), 'basic');
  assert.equal(opsCredential(request({ authorization: `Bearer ${LOGIN.password}` }), LOGIN), 'bearer');
  assert.equal(opsCredential(request({ authorization: basic('someone', LOGIN.password) }), LOGIN), undefined, 'the user name counts');
  assert.equal(opsCredential(request({ authorization: basic('ops', 'wrong') }), LOGIN), undefined);
  assert.equal(opsCredential(request({ authorization: 'Bearer wrong' }), LOGIN), undefined);
  assert.equal(opsCredential(request({}), LOGIN), undefined);
  assert.equal(opsCredential(request({ cookie: 'nerve_ops=9999999999.forged' }), LOGIN), undefined);
  assert.equal(opsCredential(request({ cookie: 'nerve_ops=%E0%A4' }), LOGIN), undefined, 'a malformed cookie is just not a session');
});

test('sameOrigin: no Origin (a program) or our own host; another site is refused', () => {
  assert.equal(sameOrigin(request({ host: 'gw.test:8080' })), true);
  assert.equal(sameOrigin(request({ host: 'gw.test:8080', origin: 'http://gw.test:8080' })), true);
  assert.equal(sameOrigin(request({ host: 'gw.test:8080', origin: 'https://evil.test' })), false);
  assert.equal(sameOrigin(request({ host: 'gw.test:8080', origin: 'null' })), false);
});

let server: http.Server;
let base = '';
before(async () => {
  const app = express();
  app.use(requireOps(() => LOGIN, (p) => p.startsWith('/api/')));
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
  for (const authorization of [undefined, basic('ops', 'wrong'), basic('someone', LOGIN.password), 'Bearer wrong']) {
    const response = await fetch(`${base}/api/x`, { headers: authorization ? { authorization } : {} });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'unauthorized');
  }
});

test('a Basic login passes and gets a session cookie that then passes alone; a bearer gets none', async () => {
  const login = await fetch(`${base}/api/x`, { headers: { authorization: basic('ops', LOGIN.password) } });
  assert.equal(login.status, 200);
  const cookie = login.headers.get('set-cookie')?.split(';')[0];
  assert.match(cookie ?? '', /^nerve_ops=\d+\./);
  assert.doesNotMatch(cookie!, new RegExp(LOGIN.password.replace(/ /g, '(%20| )')), 'the cookie never holds the password');
  assert.equal((await fetch(`${base}/api/x`, { headers: { cookie: cookie! } })).status, 200);
  const bearer = await fetch(`${base}/api/x`, { headers: { authorization: `Bearer ${LOGIN.password}` } });
  assert.equal(bearer.status, 200);
  assert.equal(bearer.headers.get('set-cookie'), null);
});
