// Calls we did not place, end to end (real Temporal, PostgreSQL, Redis; fake Twilio, Exotel, ASR
// host and Jupiter): the provider's first request starts the call's workflow by signal-with-start,
// once, whatever the retries; the call then runs exactly as an outbound one would, without a dial.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { defaultPayloadConverter, WorkflowNotFoundError } from '@temporalio/client';
import { payloadCodec } from '../lib/data-converter';
import { twilioSignature } from '../providers/twilio/signature';
import { CallTypeKey, DirectionKey, inboundCallId } from '../workflows/messages';
import { StreamCaller, type StreamParties } from './fakes/stream-caller';
import { eventually, freePort, STREAM_PASSWORD, useHarness, WEBHOOK_SECRET } from './harness';
import { speak } from './speech';

// Our numbers. Exotel's are written here in both spellings: the flow's requests use the local
// form ("080..."), the Voicebot start E.164; routing matches either way.
const TWILIO = { voicebot: '+14155550111', ivr: '+14155550122', appointment: '+14155550133', lead: '+14155550144', unrouted: '+14155550199' };
const EXOTEL = { voicebot: '+918047112233', ivr: '08047112244', unrouted: '+918000000009' };
const ROUTES = {
  [TWILIO.voicebot]: { bot: 'questionnaire', language: 'en' },
  [TWILIO.ivr]: { bot: 'questionnaire', language: 'en', mode: 'ivr' },
  [TWILIO.appointment]: { bot: 'appointment-agent', language: 'en' },
  [TWILIO.lead]: { bot: 'lead-qualification', language: 'en', topic: 'home loans', fields: ['city'] },
  '08047112233': { bot: 'questionnaire', language: 'en' },
  '+918047112244': { bot: 'questionnaire', language: 'en', mode: 'ivr' },
};
const REFUSAL = 'Sorry, this number cannot take your call right now. Goodbye.';

const { h, db } = useHarness({ env: { INBOUND_ROUTES: JSON.stringify(ROUTES), APPOINTMENT_MAX_CALL_SECONDS: '240' } });

const wsBase = () => h.gatewayUrl.replace(/^http/, 'ws');
const exotelAuth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };
const twilioHooks = (base = h.gatewayUrl) => ({ voiceUrl: `${base}/webhooks/twilio/voice`, statusCallback: `${base}/webhooks/twilio/status` });
const exotelSid = () => randomBytes(16).toString('hex');

async function redisCount(key: string): Promise<number> {
  const { cache } = await import('../lib/cache');
  return Number((await cache().get(key)) ?? 0);
}

async function runsOf(workflowId: string): Promise<number> {
  let runs = 0;
  for await (const _ of h.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) runs++;
  return runs;
}

async function workflowExists(workflowId: string): Promise<boolean> {
  try {
    await h.client.workflow.getHandle(workflowId).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The workflow's input as the worker sees it (the stored history is encrypted). */
async function inputOf(workflowId: string): Promise<any> {
  const history = await h.client.workflow.getHandle(workflowId).fetchHistory();
  const payloads = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads!;
  return defaultPayloadConverter.fromPayload((await payloadCodec().decode(payloads))[0]);
}

async function say(caller: StreamCaller, text: string) {
  h.speechHost.enqueueTranscript(text, { language: 'en' });
  caller.speak(await speak(text, 'en'));
  caller.silence(900); // the endpointer needs 600 ms of quiet to close the utterance
}

/** Twilio rings one of our numbers and, for a voicebot route, opens the stream our TwiML names. */
async function twilioInbound(from: string, to: string) {
  const callSid = h.twilio.incomingCall({ from, to, ...twilioHooks() });
  const turn = await h.twilio.ring(callSid);
  assert.equal(turn.status, 200, turn.twiml);
  return { callSid, turn, callId: inboundCallId('twilio', callSid) };
}

async function openTwilioStream(callSid: string, stream: { url: string; parameters: Record<string, string> }) {
  const caller = await StreamCaller.open(stream.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', stream.url) });
  caller.start(callSid, stream.parameters);
  return caller;
}

async function exotelVoicebot(parties: StreamParties, base = wsBase()) {
  const callSid = exotelSid();
  const caller = await StreamCaller.open(`${base}/media/exotel`, 'exotel', exotelAuth);
  caller.start(callSid, {}, 8000, parties); // no callId parameter: nothing of ours names this call
  return { caller, callSid, callId: inboundCallId('exotel', callSid) };
}

describe('inbound questionnaire, answered by voice', () => {
  test('over Twilio: the voice webhook starts the call, <Connect><Stream> carries it, Jupiter hears who rang', async () => {
    const from = '+919812340001';
    const { callSid, turn, callId } = await twilioInbound(from, TWILIO.voicebot);
    assert.deepEqual(turn.stream, { url: `${wsBase()}/media/twilio`, parameters: { callId } });
    const caller = await openTwilioStream(callSid, turn.stream!);
    const answers = ['Yes, I am.', 'Yes, I have one.', 'Yes, of course.'];
    for (const answer of answers) {
      await caller.heardPrompt();
      await say(caller, answer);
    }
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the goodbye and close');
    assert.equal(caller.closed!.code, 1000);

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ELIGIBLE');
    assert.deepEqual([result.attempts, result.callSid], [1, callSid], 'one attempt: the call that rang in');
    assert.equal(h.twilio.creates.length, 0, 'nothing was dialled');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1);
    const report = reports[0].body;
    assert.deepEqual(
      [report.call_type, report.call_key, report.direction, report.caller_phone, report.status, report.eligible],
      ['questionnaire', callId, 'inbound', from, 'ELIGIBLE', true],
    );
    assert.deepEqual(report.answers.map((a: any) => [a.answer, a.via, a.heard]), answers.map((a) => ['yes', 'speech', a]));

    const transcript = (await db.pg.query("SELECT text FROM call_transcripts WHERE call_id = $1 AND speaker = 'bot' ORDER BY id", [callId])).rows;
    assert.match(transcript[0].text, /^Hello\. We have three quick questions/, 'greeted without a name');
    const row = (await db.pg.query('SELECT callee_phone, provider, business_key, outcome, attempts FROM calls WHERE id = $1', [callId])).rows[0];
    assert.deepEqual(row, { callee_phone: '+91*******001', provider: 'twilio', business_key: callId, outcome: 'ELIGIBLE', attempts: 1 });
  });

  test('over the Exotel Voicebot applet: the start names the caller and the ExoPhone, and the session starts the call', async () => {
    const from = '+919812340002';
    const { caller, callId, callSid } = await exotelVoicebot({ from, to: EXOTEL.voicebot });
    await caller.heardPrompt();
    await say(caller, 'Haan ji.');
    await caller.heardPrompt();
    caller.dtmf('2');
    await caller.heardPrompt();
    await say(caller, 'Yes.');
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the goodbye and close');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'NOT_ELIGIBLE');
    assert.equal(result.callSid, callSid);
    assert.equal(h.exotel.connects.length, 0, 'nothing was dialled');
    const [report] = h.jupiter.reportsFor(callId);
    assert.deepEqual([report.body.direction, report.body.caller_phone], ['inbound', from]);
    assert.deepEqual(report.body.answers.map((a: any) => [a.answer, a.via]), [['yes', 'speech'], ['no', 'keys'], ['yes', 'speech']]);
    const description = await h.client.workflow.getHandle(callId).describe();
    assert.equal(description.type, 'questionnaire');
  });

  test('a caller who speaks while the call is still preparing is heard: the words answer the first question', async () => {
    // The prompts cannot be synthesized while the speech worker is down, so the call stays in
    // preparation for longer than an input waits for its attempt to become known.
    await h.killWorker('speech');
    const { caller, callId } = await exotelVoicebot({ from: '+919812340003', to: EXOTEL.voicebot });
    try {
      await say(caller, 'Yes, I am.');
      await sleep(7000);
    } finally {
      await h.startWorker('speech');
    }
    for (let answer = 2; answer <= 3; answer++) {
      await caller.heardPrompt();
      await say(caller, 'Yes, sure.');
    }
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the goodbye and close');
    const [report] = h.jupiter.reportsFor(callId);
    assert.deepEqual(report.body.answers.map((a: any) => a.heard), ['Yes, I am.', 'Yes, sure.', 'Yes, sure.']);
    assert.equal((await h.result(callId)).outcome, 'ELIGIBLE');
  });
});

describe('inbound keypad questionnaire (IVR routes)', () => {
  test("over Exotel's Greeting/Gather/Passthru flow: 1 yes, 2 no, a wrong key asked again; the ExoPhone matched in its local form", async () => {
    const callSid = h.exotel.incomingCall('09812340003', EXOTEL.ivr);
    const callId = inboundCallId('exotel', callSid);
    const greeting = await h.exotel.fetchPrompt(callSid); // the flow's first Greeting starts the call
    assert.match(greeting, /^http:\/\/127\.0\.0\.1:\d+\/audio\/[0-9a-f]+\.wav$/, 'the synthesized first prompt');
    const state = (await h.api('GET', `/api/nerve/calls/${callId}`)).body;
    assert.equal(state.prompt.id, 'q1');
    assert.match(state.prompt.text, /^Hello\. .*keypad.*Press 1 for yes, or 2 for no\.$/);
    assert.equal(state.status, 'IN_CALL');

    assert.equal((await h.exotel.press(callSid, '1')).status, 200);
    const wrong = await h.exotel.press(callSid, '3');
    assert.deepEqual([wrong.status, wrong.body.prompt], [200, 'q2_retry']);
    assert.deepEqual([(await h.exotel.press(callSid, '2')).body.prompt], ['q3']);
    const last = await h.exotel.press(callSid, '1');
    assert.deepEqual([last.status, last.body.prompt, last.body.hangup], [302, 'not_eligible', true]);

    const result = await h.result(callId);
    assert.equal(result.outcome, 'NOT_ELIGIBLE');
    assert.deepEqual(result.digits, ['1', '2', '1']);
    const [report] = h.jupiter.reportsFor(callId);
    assert.deepEqual([report.body.direction, report.body.caller_phone], ['inbound', '+919812340003'], 'the caller in E.164');
    assert.deepEqual(report.body.answers.map((a: any) => [a.answer, a.via]), [['yes', 'keys'], ['no', 'keys'], ['yes', 'keys']]);
  });

  test("over Twilio: the voice webhook answers the first <Gather>; keys to the end, <Hangup/>", async () => {
    const { callSid, turn, callId } = await twilioInbound('+919812340004', TWILIO.ivr);
    assert.ok(turn.gather, turn.twiml);
    assert.equal(turn.gather.attrs.numDigits, '1');
    assert.equal(new URL(turn.gather.attrs.action).searchParams.get('callId'), callId);
    for (const key of ['1', '1']) assert.ok((await h.twilio.press(callSid, key)).gather);
    const done = await h.twilio.press(callSid, '1');
    assert.equal(done.hungUp, true);
    assert.equal(done.completed?.status, 200, "the number's status callback finds the call by its CallSid");
    assert.equal((await h.result(callId)).outcome, 'ELIGIBLE');
    assert.deepEqual(h.jupiter.reportsFor(callId).map((r) => r.body.caller_phone), ['+919812340004']);
  });
});

describe('other bots', () => {
  test('appointment line: workflow type appointmentAgent with its input; its stream is routed like any voicebot call', async () => {
    const from = '+919812340005';
    const { turn, callId, callSid } = await twilioInbound(from, TWILIO.appointment);
    assert.deepEqual(turn.stream?.parameters, { callId });
    const handle = h.client.workflow.getHandle(callId);
    const description = await handle.describe();
    assert.equal(description.type, 'appointmentAgent');
    assert.equal(description.typedSearchAttributes.get(CallTypeKey), 'appointment-agent');
    assert.equal(await description.staticSummary(), 'Inbound appointment from +91*******005');
    const input = await inputOf(callId);
    assert.deepEqual(input.request, { call_key: callId, phone: from, language: 'en' });
    assert.deepEqual(input.inbound, { callSid, from, to: TWILIO.appointment });
    assert.deepEqual([input.maxCallSeconds, input.provider, input.mode], [240, 'twilio', 'voicebot']);
    await handle.terminate('test done: test/appointment-agent.test.ts has the conversation');
  });

  test('lead qualification line: the caller is welcomed, the model takes the fields, Jupiter gets the caller', async () => {
    const { callSid, turn, callId } = await twilioInbound('+919812340006', TWILIO.lead);
    const caller = await openTwilioStream(callSid, turn.stream!);
    await caller.heardPrompt();
    assert.match((await h.api('GET', `/api/nerve/calls/${callId}`)).body.prompt.text, /^Hello, thank you for calling Nerve about home loans\./);
    h.speechHost.enqueueReply({ say: 'Thank you, an advisor will call you. Goodbye.', collected: { city: 'Pune' }, should_end: true, escalate: false });
    await say(caller, 'I live in Pune.');
    assert.equal((await h.result(callId)).outcome, 'QUALIFIED');
    const [report] = h.jupiter.reportsFor(callId);
    assert.deepEqual([report.body.lead_id, report.body.fields, report.body.caller_phone], [callId, { city: 'Pune' }, '+919812340006']);
    assert.match(h.speechHost.chats.at(-1)!.body.messages[0].content, /a caller who rang us about home loans/);
  });
});

describe('one call per CallSid', () => {
  test('a retried first webhook, also twice at once, finds the same call: one workflow', async () => {
    const callSid = h.twilio.incomingCall({ from: '+919812340007', to: TWILIO.voicebot, ...twilioHooks() });
    const callId = inboundCallId('twilio', callSid);
    const concurrent = await Promise.all([h.twilio.ring(callSid), h.twilio.ring(callSid)]);
    const again = await h.twilio.ring(callSid);
    for (const turn of [...concurrent, again]) assert.deepEqual(turn.stream?.parameters, { callId });
    assert.equal(await eventually(async () => ((await runsOf(callId)) > 0 ? runsOf(callId) : undefined), 10_000, 'visibility'), 1);
    const history = await h.client.workflow.getHandle(callId).fetchHistory();
    const starts = history.events!.filter((e) => e.workflowExecutionStartedEventAttributes).length;
    const signals = history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'providerStatus').length;
    assert.equal(starts, 1, 'one start');
    // A request that finds the CallSid already mapped (the other one finished first) has nothing to signal.
    assert.ok(signals >= 1 && signals <= 3, `each starting request signalled "answered" at most once (${signals})`);
    await h.client.workflow.getHandle(callId).terminate('test done');

    // The same on Exotel's keypad flow: its first Greeting twice at once.
    const exotelCall = h.exotel.incomingCall('09812340008', EXOTEL.ivr);
    const prompts = await Promise.all([h.exotel.fetchPrompt(exotelCall), h.exotel.fetchPrompt(exotelCall)]);
    assert.equal(prompts[0], prompts[1]);
    const exotelId = inboundCallId('exotel', exotelCall);
    assert.equal(await eventually(async () => ((await runsOf(exotelId)) > 0 ? runsOf(exotelId) : undefined), 10_000, 'visibility'), 1);
    await h.client.workflow.getHandle(exotelId).terminate('test done');
  });

  test('a request for an inbound call that has ended starts no second run', async () => {
    const { callSid, turn, callId } = await twilioInbound('+919812340009', TWILIO.ivr);
    assert.ok(turn.gather);
    for (const key of ['2', '2', '2']) await h.twilio.press(callSid, key);
    assert.equal((await h.result(callId)).outcome, 'NOT_ELIGIBLE');
    const late = await h.twilio.ring(callSid);
    assert.deepEqual(late.verbs, [{ verb: 'Say', value: REFUSAL, attrs: { language: 'en-IN' } }, { verb: 'Hangup' }]);

    const exotelCall = h.exotel.incomingCall('09812340010', EXOTEL.ivr);
    const exotelId = inboundCallId('exotel', exotelCall);
    await h.exotel.fetchPrompt(exotelCall);
    await h.client.workflow.getHandle(exotelId).terminate('the caller is gone');
    // Its CallSid mapping lapsed (a day later): the Greeting would start the call again, and may not.
    const { cache } = await import('../lib/cache');
    await cache().del(`callsid:${exotelCall}`);
    assert.equal(await h.exotel.fetchPrompt(exotelCall), REFUSAL);

    for (const id of [callId, exotelId]) assert.equal(await eventually(() => runsOf(id), 10_000), 1, `${id} ran once`);
    assert.equal(await redisCount('inbound:refused:call_ended'), 0, 'a late request is not a refused caller');
  });
});

describe('numbers with no route are refused politely, counted, and start nothing', () => {
  test('Twilio: <Say> the line, <Hangup/>; asked again, the same answer and no second count', async () => {
    const [total, noRoute] = [await redisCount('inbound:refused'), await redisCount('inbound:refused:no_route')];
    const callSid = h.twilio.incomingCall({ from: '+919812340011', to: TWILIO.unrouted, ...twilioHooks() });
    const turn = await h.twilio.ring(callSid);
    assert.deepEqual(turn.verbs, [{ verb: 'Say', value: REFUSAL, attrs: { language: 'en-IN' } }, { verb: 'Hangup' }]);
    assert.equal(turn.hungUp, true);
    assert.equal((await h.twilio.ring(callSid)).twiml, turn.twiml);
    assert.equal(await workflowExists(inboundCallId('twilio', callSid)), false);
    assert.deepEqual([await redisCount('inbound:refused'), await redisCount('inbound:refused:no_route')], [total + 1, noRoute + 1]);
  });

  test('Exotel Voicebot: the caller hears the line, then the stream is closed; Exotel keypad flow: the line and 302', async () => {
    const total = await redisCount('inbound:refused');
    const { caller, callId } = await exotelVoicebot({ from: '+919812340012', to: EXOTEL.unrouted });
    await caller.waitFor(() => caller.closed !== undefined, 20_000, 'the line and the close');
    assert.equal(caller.closed!.code, 1000);
    const audio = caller.received.filter((m) => m.event === 'media').reduce((n, m) => n + Buffer.from(m.media.payload, 'base64').length, 0);
    assert.ok(audio > 8000 * 2, `the line was spoken before the close (${audio} bytes)`);
    assert.equal(await workflowExists(callId), false);

    const ivrCall = h.exotel.incomingCall('09812340013', '08000000009');
    const passthru = await h.exotel.press(ivrCall, '');
    assert.equal(passthru.status, 302, 'the flow takes its hang-up branch');
    assert.equal(passthru.prompt, REFUSAL, "and that branch's Greeting says why");
    assert.equal(await workflowExists(inboundCallId('exotel', ivrCall)), false);
    assert.equal(await redisCount('inbound:refused'), total + 2, 'one count per refused call');
  });
});

describe('the caller is masked wherever the full number is not needed', () => {
  test('search attributes and summary hold no number; the gateway logs it only masked', { timeout: 120_000 }, async () => {
    const from = '+919812340014';
    const digits = from.slice(1);
    const gateway = await startGatewayProcess();
    const exotelFlow = h.exotel.flow;
    try {
      // A Twilio call, an Exotel keypad call, an Exotel Voicebot call and a refused call, all through the logging gateway.
      const twilioCall = h.twilio.incomingCall({ from, to: TWILIO.voicebot, ...twilioHooks(gateway.url) });
      const turn = await h.twilio.ring(twilioCall);
      assert.ok(turn.stream, turn.twiml);
      const stream = await openTwilioStream(twilioCall, turn.stream);
      await stream.heardPrompt();
      stream.dtmf('1');
      await stream.heardPrompt();

      h.exotel.flow = { promptUrl: `${gateway.url}/webhooks/exotel/${WEBHOOK_SECRET}/prompt`, passthruUrl: `${gateway.url}/webhooks/exotel/${WEBHOOK_SECRET}/passthru` };
      const ivrCall = h.exotel.incomingCall(`0${digits.slice(2)}`, EXOTEL.ivr);
      await h.exotel.fetchPrompt(ivrCall);
      await h.exotel.press(ivrCall, '1');
      const voicebot = await exotelVoicebot({ from, to: EXOTEL.voicebot }, gateway.url.replace(/^http/, 'ws'));
      await voicebot.caller.heardPrompt();
      const refused = await exotelVoicebot({ from, to: EXOTEL.unrouted }, gateway.url.replace(/^http/, 'ws'));
      await refused.caller.waitFor(() => refused.caller.closed !== undefined, 20_000, 'the refusal');
      stream.close();
      voicebot.caller.close();

      for (const callId of [inboundCallId('twilio', twilioCall), inboundCallId('exotel', ivrCall), voicebot.callId]) {
        const description = await h.client.workflow.getHandle(callId).describe();
        const attributes = Object.fromEntries(description.typedSearchAttributes.getAll().map(({ key, value }) => [key.name, value]));
        assert.equal(attributes.Direction, 'inbound');
        assert.equal(attributes.BusinessKey, callId);
        assert.ok(!JSON.stringify(attributes).includes(digits.slice(-7)), `no number in ${JSON.stringify(attributes)}`);
        assert.equal(await description.staticSummary(), 'Inbound questionnaire from +91*******014');
        await h.client.workflow.getHandle(callId).terminate('test done');
      }
      const row = await eventually(async () => (await db.pg.query('SELECT callee_phone FROM calls WHERE id = $1', [voicebot.callId])).rows[0], 10_000, 'the calls row');
      assert.equal(row.callee_phone, '+91*******014');
    } finally {
      h.exotel.flow = exotelFlow;
      await gateway.stop();
    }
    assert.match(gateway.output(), /inbound call refused/, 'the refusal was logged');
    assert.ok(gateway.output().includes('+91*******014'), 'the caller appears masked');
    const leaks = gateway.output().split('\n').filter((line) => line.includes(digits.slice(-7)));
    assert.deepEqual(leaks, [], 'no log line holds the caller number (in any spelling)');
  });
});

/** Outbound calls say so too: the Direction attribute tells the two apart. */
test('an outbound call is marked outbound', async () => {
  const started = await h.api('POST', '/api/nerve/questionnaire', { call_key: 'OUT1', phone: '+919812340099', name: 'Asha', language: 'en', provider: 'twilio' });
  assert.equal(started.status, 202);
  const description = await h.client.workflow.getHandle(started.body.call_id).describe();
  assert.equal(description.typedSearchAttributes.get(DirectionKey), 'outbound');
  await h.client.workflow.getHandle(started.body.call_id).terminate('test done');
});

/** A second gateway process on the harness's Temporal, Redis and database, its log captured at debug level. */
async function startGatewayProcess() {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'gateway', 'main.ts')], {
    env: { ...process.env, PORT: String(port), PUBLIC_BASE_URL: url, LOG_LEVEL: 'debug', NERVE_SERVICE: 'gateway-under-test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c) => (output += c));
  child.stderr!.on('data', (c) => (output += c));
  await eventually(() => output.includes('gateway listening') || child.exitCode !== null, 30_000, 'the gateway process');
  if (child.exitCode !== null) throw new Error(`gateway exited: ${output}`);
  return {
    url,
    output: () => output,
    stop: async () => {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
