// The ops login: bearer or Basic with the ops token, then the session cookie, from our own origin only.
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { test } from 'node:test';
import { opsCredential, sameOrigin } from './ops-auth';

const TOKEN = 'ops-token-for-tests';
const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const basic = (user: string, password: string) => 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

test('the ops token as bearer or as the Basic password (any user name); anything else is refused', () => {
  assert.equal(opsCredential(request({ authorization: `Bearer ${TOKEN}` }), TOKEN), 'header');
  assert.equal(opsCredential(request({ authorization: basic('ops', TOKEN) }), TOKEN), 'header');
  assert.equal(opsCredential(request({ authorization: basic('', TOKEN) }), TOKEN), 'header');
  assert.equal(opsCredential(request({ authorization: 'Bearer wrong' }), TOKEN), undefined);
  assert.equal(opsCredential(request({ authorization: basic(TOKEN, 'wrong') }), TOKEN), undefined, 'the token as user name is not the password');
  assert.equal(opsCredential(request({}), TOKEN), undefined);
  assert.equal(opsCredential(request({ cookie: 'nerve_ops=9999999999.forged' }), TOKEN), undefined);
  assert.equal(opsCredential(request({ cookie: 'nerve_ops=%E0%A4' }), TOKEN), undefined, 'a malformed cookie is just not a session');
});

test('sameOrigin: no Origin (a program) or our own host; another site is refused', () => {
  assert.equal(sameOrigin(request({ host: 'gw.test:8080' })), true);
  assert.equal(sameOrigin(request({ host: 'gw.test:8080', origin: 'http://gw.test:8080' })), true);
  assert.equal(sameOrigin(request({ host: 'gw.test:8080', origin: 'https://evil.test' })), false);
  assert.equal(sameOrigin(request({ host: 'gw.test:8080', origin: 'null' })), false);
});
