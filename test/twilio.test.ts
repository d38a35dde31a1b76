// Unit tests for the Twilio provider (no Temporal): request signatures, the webhook router on a
// loopback express app with a stub CallControl, and the REST client against a fake Twilio.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ZodError } from 'zod';
import type { CallControl, PlaceCallRequest } from '../providers/types';
import { resetConfig } from '../lib/config';
import { HttpError } from '../lib/http-error';
import type { DigitsInput, ProviderStatusEvent } from '../workflows/messages';
import type { NextPrompt } from '../workflows/types';
import { FakeTwilio, gatheredDigits } from './fakes/twilio';
import { readTwiml } from './fakes/twiml-reader';

// The public origin Twilio is given differs from where the router listens (a loopback port),
// as behind a proxy: signatures must be checked against the public URL.
const PUBLIC_BASE_URL = 'https://calls.example.test';
const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
const AUTH_TOKEN = 'test-twilio-auth-token';
const FROM = '+15005550006';

const ENV = { PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM_NUMBER: FROM };
Object.assign(process.env, ENV);
resetConfig();

let signature: typeof import('../providers/twilio/signature');
let urls: typeof import('../providers/twilio/urls');
let clientModule: typeof import('../providers/twilio/client');
let webhooks: typeof import('../providers/twilio/webhooks');

class StubControl implements CallControl {
  readonly known = new Map<string, string>();
  readonly reports: { callId: string; event: ProviderStatusEvent }[] = [];
  outcome: 'accepted' | 'finished' | 'unknown' = 'accepted';

  async resolveCallId(callSid: string, hint?: string) {
    return this.known.get(callSid) ?? (hint?.startsWith('call-') ? hint : undefined);
  }
  async reportStatus(callId: string, event: ProviderStatusEvent) {
    this.reports.push({ callId, event });
    return this.outcome;
  }
  /** Keys from Gather actions, with their request ids; answered from `nextPrompts` in order. */
  readonly digits: { callId: string; input: DigitsInput; requestId: string }[] = [];
  readonly nextPrompts: NextPrompt[] = [];
  prompt?: NextPrompt;

  async submitDigits(callId: string, input: DigitsInput, requestId: string): Promise<NextPrompt> {
    this.digits.push({ callId, input, requestId });
    const next = this.nextPrompts.shift();
    if (!next) throw new HttpError(409, 'not_accepting_input', 'no prompt queued in the stub');
    return next;
  }
  async currentPrompt() {
    return this.prompt;
  }
  async submitUtterance(): Promise<NextPrompt> {
    throw new Error('utterances arrive over the media stream, not webhooks');
  }
  async promptInterrupted() {}
  async watchPrompt(): Promise<NextPrompt> {
    throw new Error('prompts are watched over the media stream, not webhooks');
  }
}

/** The gateway's error handling, reduced to what these routes produce. */
function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ZodError) return void res.status(400).json({ error: 'invalid_request' });
  if (err instanceof HttpError) return void res.status(err.status).json({ error: err.code, message: err.message });
  res.status(500).json({ error: 'internal', message: String(err) });
}

const fake = new FakeTwilio(ACCOUNT_SID, AUTH_TOKEN);
const control = new StubControl();
let server: http.Server;
let localBase = '';

before(async () => {
  await fake.start();
  process.env.TWILIO_API_URL = fake.url;
  resetConfig();
  signature = await import('../providers/twilio/signature');
  urls = await import('../providers/twilio/urls');
  clientModule = await import('../providers/twilio/client');
  webhooks = await import('../providers/twilio/webhooks');

  const app = express();
  app.use('/webhooks/twilio', webhooks.twilioWebhooks(control));
  app.use(errorHandler);
  server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  localBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.route = (url) => url.replace(PUBLIC_BASE_URL, localBase);
});

after(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  await fake.stop();
});

/** POSTs a form to one of our webhook paths, signed over `signedUrl` (the public URL by default). */
async function post(path: string, form: Record<string, string>, opts: { signedUrl?: string; token?: string; signature?: string } = {}) {
  const signed = signature.twilioSignature(opts.token ?? AUTH_TOKEN, opts.signedUrl ?? PUBLIC_BASE_URL + path, form);
  const response = await fetch(localBase + path, {
    method: 'POST',
    headers: opts.signature === '' ? {} : { 'X-Twilio-Signature': opts.signature ?? signed },
    body: new URLSearchParams(form),
  });
  const text = await response.text();
  let body: any = text;
  try {
    body = JSON.parse(text);
  } catch {
    // TwiML
  }
  return { status: response.status, type: response.headers.get('content-type') ?? '', body };
}

async function withEnv<T>(overrides: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(overrides).map((k) => [k, process.env[k]]));
  Object.assign(process.env, overrides);
  resetConfig();
  try {
    return await run();
  } finally {
    Object.assign(process.env, saved);
    resetConfig();
  }
}

async function rejectsWith(promise: Promise<unknown>, type: string, nonRetryable: boolean, message?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    assert.equal(err.nonRetryable, nonRetryable, `nonRetryable for ${type}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

const request = (overrides: Partial<PlaceCallRequest> = {}): PlaceCallRequest => ({
  callId: 'call-0001',
  mode: 'voicebot',
  to: '+919876543210',
  attempt: 1,
  ringTimeoutSeconds: 45,
  timeLimitSeconds: 300,
  ...overrides,
});

// ---------------------------------------------------------------- signatures

describe('twilio signature', () => {
  // The worked example in the twilio-php library's docs ("Validate Incoming Requests",
  // twilio-php.readthedocs.io/en/latest/usage/validation.html): auth token 12345.
  const documented = {
    url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
    expected: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
  };

  test("matches Twilio's documented example", () => {
    assert.equal(signature.twilioSignature('12345', documented.url, documented.params), documented.expected);
    assert.ok(signature.isValidTwilioSignature('12345', documented.expected, documented.url, documented.params));
  });

  test('matches an independent HMAC-SHA1 of URL + sorted name/value pairs', () => {
    const params = { b: '2', A: '1', a: 'x y', Z: '' };
    // Case-sensitive code-unit order: uppercase before lowercase.
    const data = 'https://h.test/p?q=1' + 'A1' + 'Z' + 'ax y' + 'b2';
    const expected = createHmac('sha1', 'tok').update(data).digest('base64');
    assert.equal(signature.twilioSignature('tok', 'https://h.test/p?q=1', params), expected);
    assert.equal(signature.twilioSignature('tok', 'https://h.test/p'), createHmac('sha1', 'tok').update('https://h.test/p').digest('base64'));
  });

  test('rejects a changed URL, parameter, token, or a missing or truncated signature', () => {
    const { url, params, expected } = documented;
    const valid = (token: string, sig: string | undefined, u: string, p: Record<string, string>) => signature.isValidTwilioSignature(token, sig, u, p);
    assert.equal(valid('12345', expected, url.replace('foo=1', 'foo=2'), params), false);
    assert.equal(valid('12345', expected, url, { ...params, Digits: '4321' }), false);
    assert.equal(valid('54321', expected, url, params), false);
    assert.equal(valid('', expected, url, params), false, 'no auth token configured: nothing validates');
    assert.equal(valid('12345', undefined, url, params), false);
    assert.equal(valid('12345', expected.slice(0, -1), url, params), false);
  });

  test('verifyUpgradeSignature checks the wss URL with its query and no parameters', () => {
    const path = '/media/twilio?callId=call-0001';
    const upgrade = (sig?: string) => ({ url: path, headers: sig ? { 'x-twilio-signature': sig } : {} }) as unknown as http.IncomingMessage;
    const good = signature.twilioSignature(AUTH_TOKEN, 'wss://calls.example.test' + path);
    assert.equal(signature.verifyUpgradeSignature(upgrade(good)), true);
    assert.equal(signature.verifyUpgradeSignature(upgrade(signature.twilioSignature(AUTH_TOKEN, PUBLIC_BASE_URL + path))), false, 'https form is not what Twilio signed');
    assert.equal(signature.verifyUpgradeSignature(upgrade()), false);
  });

  test('urls: webhook URLs on PUBLIC_BASE_URL, stream URL with the ws scheme', () => {
    assert.equal(urls.twilioWebhookUrl('status'), 'https://calls.example.test/webhooks/twilio/status');
    assert.equal(urls.twilioWebhookUrl('voice', { callId: 'call a&b' }), 'https://calls.example.test/webhooks/twilio/voice?callId=call+a%26b');
    assert.equal(urls.twilioStreamUrl(), 'wss://calls.example.test/media/twilio');
    assert.equal(signature.toWebSocketOrigin('http://localhost:8080'), 'ws://localhost:8080');
  });

  test('the provider module exposes the stream codec and the upgrade check', async () => {
    const { twilio } = await import('../providers/twilio');
    assert.equal(twilio.name, 'twilio');
    assert.equal(twilio.stream?.codec.provider, 'twilio');
    assert.equal(twilio.stream?.authorizeUpgrade, signature.verifyUpgradeSignature);
  });
});

// ---------------------------------------------------------------- webhooks

describe('twilio webhooks', () => {
  const voiceForm = { CallSid: 'CA' + 'f'.repeat(32), From: FROM, To: '+919876543210', CallStatus: 'in-progress', AccountSid: ACCOUNT_SID };
  const voicePath = '/webhooks/twilio/voice?callId=call-0042';

  test('a missing or wrong X-Twilio-Signature is refused with 403 JSON', async () => {
    for (const opts of [{ signature: '' }, { token: 'not-the-token' }, { signature: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA=' }]) {
      const res = await post(voicePath, voiceForm, opts);
      assert.equal(res.status, 403, JSON.stringify(opts));
      assert.equal(res.body.error, 'invalid_signature');
    }
    const status = await post('/webhooks/twilio/status', { CallSid: voiceForm.CallSid, CallStatus: 'completed' }, { token: 'nope' });
    assert.equal(status.status, 403);
    assert.equal(control.reports.length, 0);
  });

  test('the signature is checked against the public URL, not the Host we were reached on', async () => {
    const res = await post(voicePath, voiceForm, { signedUrl: localBase + voicePath });
    assert.equal(res.status, 403);
    assert.equal((await post(voicePath, voiceForm)).status, 200);
  });

  test('the signature covers the query and the form', async () => {
    const signed = signature.twilioSignature(AUTH_TOKEN, PUBLIC_BASE_URL + voicePath, voiceForm);
    const otherQuery = await fetch(localBase + voicePath.replace('0042', '0043'), {
      method: 'POST',
      headers: { 'X-Twilio-Signature': signed },
      body: new URLSearchParams(voiceForm),
    });
    assert.equal(otherQuery.status, 403);
    const otherForm = await fetch(localBase + voicePath, {
      method: 'POST',
      headers: { 'X-Twilio-Signature': signed },
      body: new URLSearchParams({ ...voiceForm, To: '+10000000000' }),
    });
    assert.equal(otherForm.status, 403);
  });

  test('voice answers TwiML that connects a bidirectional stream with the call id', async () => {
    const res = await post(voicePath, voiceForm);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/xml/);
    assert.equal(
      res.body,
      '<?xml version="1.0" encoding="UTF-8"?><Response><Connect><Stream url="wss://calls.example.test/media/twilio">' +
        '<Parameter name="callId" value="call-0042"/></Stream></Connect></Response>',
    );
  });

  test('TwiML attribute values are XML-escaped', async () => {
    control.known.set('CA-escape', `call-<a&b>"'`);
    const res = await post('/webhooks/twilio/voice', { ...voiceForm, CallSid: 'CA-escape' });
    assert.equal(res.status, 200);
    assert.ok(res.body.includes('value="call-&lt;a&amp;b&gt;&quot;&apos;"'), res.body);
    assert.equal(webhooks.connectStreamTwiml('wss://h/m?a=1&b=2', 'x').includes('url="wss://h/m?a=1&amp;b=2"'), true);
  });

  test('voice for an unknown call is 404, a malformed one 400', async () => {
    const unknown = await post('/webhooks/twilio/voice', voiceForm);
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error, 'unknown_call');
    const noSid = await post(voicePath, { From: FROM });
    assert.equal(noSid.status, 400);
  });

  test('status callbacks map onto answered and terminal events; early progress is acknowledged only', async () => {
    const client = new clientModule.TwilioClient();
    const { callSid } = await client.placeCall(request({ callId: 'call-status' }));
    const cases: [string, ProviderStatusEvent | undefined][] = [
      ['queued', undefined],
      ['initiated', undefined],
      ['ringing', undefined],
      ['in-progress', { callSid, event: 'answered' }],
      ['completed', { callSid, event: 'terminal', status: 'completed' }],
      ['busy', { callSid, event: 'terminal', status: 'busy' }],
      ['failed', { callSid, event: 'terminal', status: 'failed' }],
      ['no-answer', { callSid, event: 'terminal', status: 'no-answer' }],
      ['canceled', { callSid, event: 'terminal', status: 'failed' }],
    ];
    for (const [callStatus, expected] of cases) {
      const before = control.reports.length;
      const res = await fake.sendStatus(callSid, callStatus);
      assert.equal(res.status, 200, `${callStatus}: ${JSON.stringify(res.body)}`);
      if (!expected) {
        assert.equal(control.reports.length, before, `${callStatus} must not reach the workflow`);
        assert.equal(res.body.ignored, true);
        continue;
      }
      assert.deepEqual(control.reports.slice(before), [{ callId: 'call-status', event: expected }], callStatus);
      assert.equal(res.body.call_id, 'call-status');
    }
  });

  test('fetchTwiml: the fake answers and gets the stream TwiML for its call', async () => {
    const { callSid } = await new clientModule.TwilioClient().placeCall(request({ callId: 'call-twiml' }));
    const twiml = await fake.fetchTwiml(callSid);
    assert.match(twiml, /<Stream url="wss:\/\/calls\.example\.test\/media\/twilio"><Parameter name="callId" value="call-twiml"\/>/);
  });

  test('status: late duplicates are acknowledged, unknown calls are 404, malformed bodies 400', async () => {
    const sid = 'CA' + 'e'.repeat(32);
    control.outcome = 'finished';
    const late = await post('/webhooks/twilio/status?callId=call-late', { CallSid: sid, CallStatus: 'completed', CallDuration: '12' });
    assert.equal(late.status, 200);
    assert.equal(late.body.ignored, true);

    control.outcome = 'unknown';
    assert.equal((await post('/webhooks/twilio/status?callId=call-gone', { CallSid: sid, CallStatus: 'completed' })).status, 404);
    control.outcome = 'accepted';
    assert.equal((await post('/webhooks/twilio/status', { CallSid: sid, CallStatus: 'completed' })).status, 404, 'no mapping, no hint');

    assert.equal((await post('/webhooks/twilio/status', { CallSid: sid })).status, 400, 'no CallStatus');
    assert.equal((await post('/webhooks/twilio/status', { CallSid: sid, CallStatus: 'exploded' })).status, 400);
    assert.equal((await post('/webhooks/twilio/status', { CallStatus: 'completed' })).status, 400, 'no CallSid');
    assert.equal((await post('/webhooks/twilio/status', { CallSid: sid, CallStatus: 'completed', CallDuration: 'ten' })).status, 400);
  });
});

// ---------------------------------------------------------------- keypad IVR (<Gather>)

describe('twilio IVR webhooks', () => {
  test("the fake reads our TwiML and collects keys as Twilio's <Gather> documents it", () => {
    const one = { numDigits: '1', finishOnKey: '#' };
    const typed = { finishOnKey: '#' };
    assert.deepEqual(gatheredDigits('1', one), { digits: '1', finishedOnKey: '' });
    assert.deepEqual(gatheredDigits('19', one), { digits: '1', finishedOnKey: '' }, 'numDigits ends the input');
    assert.deepEqual(gatheredDigits('25#', typed), { digits: '25', finishedOnKey: '#' }, 'finishOnKey is left out of Digits');
    assert.deepEqual(gatheredDigits('#', typed), { digits: '', finishedOnKey: '' }, 'a lone finishOnKey is no input');
    assert.deepEqual(gatheredDigits('', typed), { digits: '', finishedOnKey: '' });
    const verbs = readTwiml(webhooks.connectStreamTwiml('wss://h/m?a=1&b=2', 'call-<1>'));
    assert.deepEqual(verbs, [{ verb: 'Connect', streamUrl: 'wss://h/m?a=1&b=2', parameters: { callId: 'call-<1>' } }]);
    assert.throws(() => readTwiml('<Response><Gather><Dial>+1</Dial></Gather></Response>'), /cannot be nested/);
    assert.throws(() => readTwiml('<Response><Play>x</Play>'), /not closed/);
  });

  const sid = 'CA' + 'a'.repeat(32);
  const form = { CallSid: sid, From: FROM, To: '+919876543210', CallStatus: 'in-progress', AccountSid: ACCOUNT_SID };
  const prompt = (overrides: Partial<NextPrompt>): NextPrompt => ({ id: 'summary', text: 'Press 1 to accept, or 0 to reject.', hangup: false, seq: 1, ...overrides });
  const gatherUrl = (seq: number) => `https://calls.example.test/webhooks/twilio/gather?callId=call-ivr1&amp;seq=${seq}`;

  test('voice for an IVR call answers a one-key <Gather> around <Play> of the prompt audio', async () => {
    control.prompt = prompt({ audioUrl: 'https://calls.example.test/audio/abc.wav?x=1&y=2' });
    const res = await post('/webhooks/twilio/voice?callId=call-ivr1&mode=ivr', form);
    assert.equal(res.status, 200);
    assert.match(res.type, /^text\/xml/);
    assert.equal(
      res.body,
      '<?xml version="1.0" encoding="UTF-8"?><Response>' +
        `<Gather input="dtmf" numDigits="1" finishOnKey="#" timeout="6" actionOnEmptyResult="true" action="${gatherUrl(1)}" method="POST">` +
        '<Play>https://calls.example.test/audio/abc.wav?x=1&amp;y=2</Play></Gather></Response>',
    );
  });

  test('a typed-number question gathers until # (no numDigits); text without audio is <Say>, escaped', async () => {
    control.prompt = prompt({ id: 'prep_time_retry', text: 'Type the minutes <then> "#" & wait', seq: 4 });
    const res = await post('/webhooks/twilio/voice?callId=call-ivr1&mode=ivr', form);
    assert.equal(res.status, 200);
    assert.ok(res.body.includes(`<Gather input="dtmf" finishOnKey="#" timeout="6" actionOnEmptyResult="true" action="${gatherUrl(4)}" method="POST">`), res.body);
    assert.ok(!res.body.includes('numDigits'), res.body);
    assert.ok(res.body.includes('<Say language="en-IN">Type the minutes &lt;then&gt; &quot;#&quot; &amp; wait</Say>'), res.body);
    control.prompt = prompt({ text: 'स्वीकार करने के लिए 1 दबाएँ' });
    assert.ok((await post('/webhooks/twilio/voice?callId=call-ivr1&mode=ivr', form)).body.includes('<Say language="hi-IN">'));
  });

  test('voice for an IVR call with nothing to play is 404 JSON; an unknown mode is 400', async () => {
    control.prompt = undefined;
    const none = await post('/webhooks/twilio/voice?callId=call-ivr1&mode=ivr', form);
    assert.equal(none.status, 404);
    assert.equal(none.body.error, 'no_prompt');
    assert.equal((await post('/webhooks/twilio/voice?callId=call-ivr1&mode=fax', form)).status, 400);
  });

  test('the Gather action submits Digits and answers the next <Gather>, or <Play> + <Hangup/>', async () => {
    control.digits.length = 0;
    control.nextPrompts.push(prompt({ id: 'prep_time', text: 'How long?', seq: 2 }), prompt({ id: 'accepted', text: 'Thank you.', audioUrl: 'https://a.test/t.wav', hangup: true, seq: 3 }));
    const first = await post('/webhooks/twilio/gather?callId=call-ivr1&seq=1', { ...form, Digits: '1', FinishedOnKey: '' });
    assert.equal(first.status, 200);
    assert.ok(first.body.includes(`action="${gatherUrl(2)}"`), first.body);
    const last = await post('/webhooks/twilio/gather?callId=call-ivr1&seq=2', { ...form, Digits: '25', FinishedOnKey: '#' });
    assert.equal(last.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Play>https://a.test/t.wav</Play><Hangup/></Response>');
    assert.deepEqual(control.digits.map((d) => [d.callId, d.input.callSid, d.input.digits]), [['call-ivr1', sid, '1'], ['call-ivr1', sid, '25']]);
  });

  test('empty Digits (timeout) are submitted; the request id is stable for a retry and differs per prompt', async () => {
    control.digits.length = 0;
    control.nextPrompts.push(...[5, 6, 7].map((seq) => prompt({ id: 'summary_retry', seq })));
    await post('/webhooks/twilio/gather?callId=call-ivr1&seq=4', { ...form });
    await post('/webhooks/twilio/gather?callId=call-ivr1&seq=4', { ...form }); // Twilio sends it again
    await post('/webhooks/twilio/gather?callId=call-ivr1&seq=5', { ...form, Digits: '' });
    const [a, b, c] = control.digits;
    assert.deepEqual([a.input.digits, b.input.digits, c.input.digits], ['', '', '']);
    assert.equal(a.requestId, b.requestId, 'a retried request reaches the same update');
    assert.notEqual(a.requestId, c.requestId, 'no input on the next prompt is a new answer');
    assert.equal(webhooks.gatherRequestId(sid, '4', ''), a.requestId);
    assert.notEqual(webhooks.gatherRequestId(sid, '4', '1'), a.requestId);
  });

  test('bad Gather requests are 4xx JSON and submit nothing', async () => {
    control.digits.length = 0;
    const cases: [string, Record<string, string>, number][] = [
      ['/webhooks/twilio/gather?callId=call-ivr1&seq=1', { ...form, Digits: '12a' }, 400],
      ['/webhooks/twilio/gather?callId=call-ivr1', { ...form, Digits: '1' }, 400], // no seq
      ['/webhooks/twilio/gather?callId=call-ivr1&seq=x', { ...form, Digits: '1' }, 400],
      ['/webhooks/twilio/gather?callId=call-ivr1&seq=1', { Digits: '1' }, 400], // no CallSid
      ['/webhooks/twilio/gather?seq=1', { ...form, Digits: '1' }, 404], // no call id, no mapping
    ];
    for (const [path, body, status] of cases) {
      const res = await post(path, body);
      assert.equal(res.status, status, `${path} ${JSON.stringify(body)}`);
      assert.equal(typeof res.body.error, 'string');
    }
    const unsigned = await post('/webhooks/twilio/gather?callId=call-ivr1&seq=1', { ...form, Digits: '1' }, { token: 'wrong' });
    assert.equal(unsigned.status, 403);
    assert.equal(control.digits.length, 0);
    // The workflow refusing the keys (call over) reaches Twilio as the gateway's 4xx.
    const refused = await post('/webhooks/twilio/gather?callId=call-ivr1&seq=1', { ...form, Digits: '1' });
    assert.equal(refused.status, 409);
  });
});

// ---------------------------------------------------------------- REST client

describe('twilio client', () => {
  test('placeCall sends the documented form with Basic auth and returns the sid', async () => {
    const { callSid } = await new clientModule.TwilioClient().placeCall(request({ callId: 'call-form', ringTimeoutSeconds: 30, timeLimitSeconds: 240 }));
    assert.match(callSid, /^CA[0-9a-f]{32}$/);
    const { form, authorization } = fake.call(callSid);
    assert.equal(authorization, 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'));
    assert.equal(form.get('To'), '+919876543210');
    assert.equal(form.get('From'), FROM);
    assert.equal(form.get('Url'), 'https://calls.example.test/webhooks/twilio/voice?callId=call-form');
    assert.equal(form.get('Method'), 'POST');
    assert.equal(form.get('StatusCallback'), 'https://calls.example.test/webhooks/twilio/status?callId=call-form');
    assert.equal(form.get('StatusCallbackMethod'), 'POST');
    assert.deepEqual(form.getAll('StatusCallbackEvent'), ['initiated', 'ringing', 'answered', 'completed']);
    assert.equal(form.get('Timeout'), '30');
    assert.equal(form.get('TimeLimit'), '240');
  });

  test('getCallStatus maps Twilio statuses (canceled → failed)', async () => {
    const client = new clientModule.TwilioClient();
    const { callSid } = await client.placeCall(request());
    assert.equal(await client.getCallStatus(callSid), 'queued');
    for (const [twilioStatus, ours] of [['ringing', 'ringing'], ['in-progress', 'in-progress'], ['no-answer', 'no-answer'], ['busy', 'busy'], ['completed', 'completed'], ['canceled', 'failed']]) {
      fake.statusOfCall.set(callSid, twilioStatus);
      assert.equal(await client.getCallStatus(callSid), ours, twilioStatus);
    }
    await rejectsWith(client.getCallStatus('CA' + '9'.repeat(32)), 'ProviderRejected', true, /404.*20404/);
  });

  test('401 from Twilio is a non-retryable ProviderAuth failure', async () => {
    await withEnv({ TWILIO_AUTH_TOKEN: 'wrong-token' }, () =>
      rejectsWith(new clientModule.TwilioClient().placeCall(request()), 'ProviderAuth', true, /401 \(error 20003\): Authenticate/),
    );
  });

  test("400 (21211 invalid 'To') is a non-retryable ProviderRejected failure", async () => {
    await rejectsWith(new clientModule.TwilioClient().placeCall(request({ to: '12345' })), 'ProviderRejected', true, /21211/);
  });

  test('429 and 5xx are retryable; so is an unreachable API', async () => {
    const client = new clientModule.TwilioClient();
    fake.failNext.push({ status: 429, code: 20429, message: 'Too Many Requests' });
    await rejectsWith(client.placeCall(request()), 'ProviderRateLimited', false);
    fake.failNext.push({ status: 500, code: 20500, message: 'Internal Server Error' });
    await rejectsWith(client.placeCall(request()), 'ProviderUnavailable', false);
    fake.failNext.push({ status: 503, code: 20503, message: 'Service Unavailable' });
    await rejectsWith(client.placeCall(request()), 'ProviderUnavailable', false);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await withEnv({ TWILIO_API_URL: deadUrl }, () => rejectsWith(new clientModule.TwilioClient().placeCall(request()), 'ProviderUnavailable', false));
  });

  test('IVR mode dials the same way, with mode=ivr on the voice URL', async () => {
    const { callSid } = await new clientModule.TwilioClient().placeCall(request({ callId: 'call-ivr', mode: 'ivr' }));
    const { form } = fake.call(callSid);
    assert.equal(form.get('Url'), 'https://calls.example.test/webhooks/twilio/voice?callId=call-ivr&mode=ivr');
    assert.equal(form.get('StatusCallback'), 'https://calls.example.test/webhooks/twilio/status?callId=call-ivr');
  });

  test('missing settings are non-retryable ProviderConfig failures', async () => {
    const before = fake.creates.length;
    await withEnv({ TWILIO_FROM_NUMBER: '' }, () => rejectsWith(new clientModule.TwilioClient().placeCall(request()), 'ProviderConfig', true));
    assert.equal(fake.creates.length, before, 'nothing was dialled');
  });
});
