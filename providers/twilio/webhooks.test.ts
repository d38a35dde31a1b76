// The Twilio webhook router on a loopback express app with a stub CallControl; status callbacks
// come from a fake Twilio for calls the real client placed.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ZodError } from 'zod';
import type { CallControl, InboundCallRequest, InboundStart } from '../types';
import { HttpError } from '../../lib/http-error';
import type { DigitsInput, ProviderStatusEvent } from '../../workflows/messages';
import type { NextPrompt } from '../../workflows/types';
import type { AgentLegAnswer, AgentLegEvent } from '../../workflows/lifecycle-types';
import { gatheredDigits } from '../../test/fakes/twilio';
import { readTwiml } from '../../test/fakes/twiml-reader';
import { ACCOUNT_SID, applyTwilioSettings, AUTH_TOKEN, FROM, PUBLIC_BASE_URL, request, useFakeTwilio } from '../../test/support/twilio';

applyTwilioSettings();
const fake = useFakeTwilio();

let signature: typeof import('./signature');
let clientModule: typeof import('./client');
let webhooks: typeof import('./webhooks');

class StubControl implements CallControl {
  readonly known = new Map<string, string>();
  readonly reports: { callId: string; event: ProviderStatusEvent }[] = [];
  outcome: 'accepted' | 'finished' | 'unknown' = 'accepted';

  async resolveCallId(callSid: string, hint?: string) {
    return this.known.get(callSid) ?? (hint?.startsWith('call-') || hint?.startsWith('inbound-') ? hint : undefined);
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
  /** Inbound calls asked for, answered with `inboundAnswer`. */
  readonly inbound: InboundCallRequest[] = [];
  inboundAnswer: InboundStart = { refused: 'No.', reason: 'no_route' };
  async startInbound(call: InboundCallRequest) {
    this.inbound.push(call);
    return this.inboundAnswer;
  }
  async handoffWhisper() {
    return 'summary';
  }
  /** Agent-leg events with the caller's CallSid, answered with `agentAnswer`. */
  readonly agentLegs: { callId: string; event: AgentLegEvent; callSid?: string }[] = [];
  agentAnswer: AgentLegAnswer = { next: 'bot' };
  async agentLeg(callId: string, event: AgentLegEvent, callSid?: string) {
    this.agentLegs.push({ callId, event, callSid });
    return this.agentAnswer;
  }
}

/** The gateway's error handling, reduced to what these routes produce. */
function errorHandler(err: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (err instanceof ZodError) return void res.status(400).json({ error: 'invalid_request' });
  if (err instanceof HttpError) return void res.status(err.status).json({ error: err.code, message: err.message });
  res.status(500).json({ error: 'internal', message: String(err) });
}

const control = new StubControl();
let server: http.Server;
let localBase = '';

before(async () => {
  signature = await import('./signature');
  clientModule = await import('./client');
  webhooks = await import('./webhooks');

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

  test("an inbound call's end reaches it without the CallSid map: its id follows from the CallSid", async () => {
    const callSid = 'CA' + 'e'.repeat(32);
    const before = control.reports.length;
    const inbound = await post('/webhooks/twilio/status', { CallSid: callSid, CallStatus: 'completed', Direction: 'inbound' });
    assert.equal(inbound.status, 200, JSON.stringify(inbound.body));
    assert.deepEqual(control.reports.slice(before), [{ callId: `inbound-twilio-${callSid}`, event: { callSid, event: 'terminal', status: 'completed' } }]);
    const outbound = await post('/webhooks/twilio/status', { CallSid: callSid, CallStatus: 'completed', Direction: 'outbound-api' });
    assert.equal(outbound.status, 404, 'a call we placed is named by its callback URL or the map, never guessed');
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

describe('calls to our numbers (Direction=inbound, no call id on the voice URL)', () => {
  const sid = 'CA' + 'b'.repeat(32);
  const ringing = { AccountSid: ACCOUNT_SID, ApiVersion: '2010-04-01', CallSid: sid, CallStatus: 'ringing', Direction: 'inbound', From: '+919812345678', To: '+14155550111', Caller: '+919812345678', Called: '+14155550111' };

  test('the call is started with the caller and the dialled number; a voicebot route gets the stream with its call id', async () => {
    control.inbound.length = 0;
    control.inboundAnswer = { callId: `inbound-twilio-${sid}`, mode: 'voicebot' };
    const res = await post('/webhooks/twilio/voice', ringing);
    assert.equal(res.status, 200);
    assert.deepEqual(control.inbound, [{ provider: 'twilio', callSid: sid, from: '+919812345678', to: '+14155550111' }]);
    assert.deepEqual(readTwiml(res.body), [{ verb: 'Connect', streamUrl: 'wss://calls.example.test/media/twilio', parameters: { callId: `inbound-twilio-${sid}` } }]);
  });

  test('an IVR route gets its first <Gather>; a refused call hears the line and is hung up', async () => {
    control.inboundAnswer = { callId: `inbound-twilio-${sid}`, mode: 'ivr', prompt: { id: 'q1', text: 'Press 1 for yes, or 2 for no.', hangup: false, seq: 1 } };
    const ivr = readTwiml((await post('/webhooks/twilio/voice', ringing)).body);
    assert.equal(ivr[0].verb, 'Gather');
    assert.ok(ivr[0].verb === 'Gather' && ivr[0].attrs.action.includes(`callId=inbound-twilio-${sid}`), JSON.stringify(ivr));
    control.inboundAnswer = { refused: 'Sorry, this number cannot take your call right now. Goodbye.', reason: 'no_route' };
    const refused = await post('/webhooks/twilio/voice', ringing);
    assert.equal(refused.status, 200);
    assert.deepEqual(readTwiml(refused.body), [{ verb: 'Say', value: 'Sorry, this number cannot take your call right now. Goodbye.', attrs: { language: 'en-IN' } }, { verb: 'Hangup' }]);
  });

  test('an inbound request without From or To is 400 and starts nothing; a call id on the URL is not inbound', async () => {
    control.inbound.length = 0;
    const { From: _from, ...noFrom } = ringing;
    assert.equal((await post('/webhooks/twilio/voice', noFrom)).status, 400);
    const hinted = await post('/webhooks/twilio/voice?callId=call-0042', ringing);
    assert.equal(hinted.status, 200);
    assert.match(hinted.body, /value="call-0042"/);
    assert.equal(control.inbound.length, 0);
  });
});

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

  test("the <Dial action> after nobody answered: a keypad caller's question as its <Gather>, a stream, or the voicemail message", async () => {
    const dialAction = { ...form, DialCallSid: 'CA' + 'd'.repeat(32), DialCallStatus: 'no-answer' };
    control.agentLegs.length = 0;
    control.agentAnswer = { next: 'bot', prompt: prompt({ seq: 7 }) };
    const menu = await post('/webhooks/twilio/agent-dial?callId=call-ivr1', dialAction);
    assert.equal(menu.status, 200);
    assert.ok(menu.body.startsWith('<?xml version="1.0" encoding="UTF-8"?><Response><Gather '), menu.body);
    assert.ok(menu.body.includes(`action="${gatherUrl(7)}"`), menu.body);
    assert.deepEqual(control.agentLegs, [{ callId: 'call-ivr1', event: { status: 'no-answer' }, callSid: sid }], "the caller's CallSid goes along, not the agent leg's");

    control.agentAnswer = { next: 'bot' };
    const stream = readTwiml((await post('/webhooks/twilio/agent-dial?callId=call-ivr1', dialAction)).body);
    assert.deepEqual(stream.map((v) => v.verb), ['Connect'], 'a stream call goes back to a new stream');

    control.agentAnswer = { next: 'voicemail', text: 'We will call you back.' };
    const voicemail = await post('/webhooks/twilio/agent-dial?callId=call-ivr1', dialAction);
    assert.equal(voicemail.body, '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="en-IN">We will call you back.</Say><Hangup/></Response>');
  });
});
