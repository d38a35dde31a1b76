// Every call type over every provider, end to end (real Temporal, PostgreSQL, Redis; fake Exotel,
// Twilio, ASR host and Jupiter). What other files already cover is not repeated here:
//
//                        Exotel IVR        Twilio IVR   Exotel stream     Twilio stream
//   vendor confirmation  calls.test        here         here              here
//   rider assignment     calls.test        here         here              here (as the vendor's child)
//   questionnaire        —                 —            voice.test        voice.test
//   lead qualification   —                 —            voice.test        here
//
// Questionnaire and lead qualification are speech conversations: over a provider's keypad IVR
// there is nothing to transcribe, so those two combinations do not exist.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { twilioSignature } from '../providers/twilio/signature';
import { STREAM_PASSWORD, useHarness, vendorOrder } from './harness';
import { StreamCaller } from './fakes/stream-caller';
import { speak } from './speech';

const { h, db } = useHarness();

const wsBase = () => h.gatewayUrl.replace(/^http/, 'ws');
const exotelAuth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };

async function start(route: 'vendor-order-confirmation' | 'rider-assignment', body: Record<string, unknown>): Promise<string> {
  const started = await h.api('POST', `/api/nerve/${route}`, body);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return started.body.call_id as string;
}

function riderJob(orderId: string, overrides: Record<string, unknown> = {}) {
  return {
    order_id: orderId, rider_id: `RD-${orderId}`, rider_phone: `+9199${orderId.replace(/\D/g, '').padStart(8, '0').slice(-8)}`, rider_name: 'Ravi',
    restaurant_name: 'Sharma Dhaba', restaurant_address: 'MG Road', pickup_time_minutes: 15, language: 'en', ...overrides,
  };
}

const promptId = async (callId: string) => (await h.api('GET', `/api/nerve/calls/${callId}`)).body.prompt?.id as string;

/** Exotel dials the voicebot flow; its Voicebot applet opens our socket. */
async function exotelStream(callId: string) {
  const dial = await h.exotel.waitForCall(callId);
  assert.equal(dial.form.Url, 'http://my.exotel.com/test-account/exoml/start_voice/515151', 'the Voicebot flow, not the IVR flow');
  const caller = await StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', exotelAuth);
  caller.start(dial.callSid, { callId });
  return { caller, callSid: dial.callSid };
}

/** Twilio dials, fetches the voice TwiML (a <Connect><Stream>), and opens the stream it names. */
async function twilioStream(callId: string) {
  const dial = await h.twilio.waitForCall(callId);
  assert.equal(new URL(dial.form.get('Url')!).searchParams.get('mode'), null, 'a stream call asks for no IVR');
  const twiml = await h.twilio.fetchTwiml(dial.callSid);
  const streamUrl = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  assert.equal(streamUrl, `${wsBase()}/media/twilio`);
  await h.twilio.sendStatus(dial.callSid, 'in-progress');
  const caller = await StreamCaller.open(streamUrl!, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', streamUrl!) });
  caller.start(dial.callSid, { callId });
  return { caller, callSid: dial.callSid };
}

/** Waits for each prompt to be heard in full, then presses the key; DTMF on a stream is one key per event. */
async function pressAfterPrompts(caller: StreamCaller, keys: string[]) {
  for (const key of keys) {
    await caller.heardPrompt();
    caller.dtmf(key);
  }
}

describe('keypad calls over Twilio IVR (<Gather>)', () => {
  test('vendor accepts with a typed prep time after an empty and an invalid answer; one report, hang-up TwiML', async () => {
    const order = vendorOrder('TI1001');
    const callId = await start('vendor-order-confirmation', { ...order, provider: 'twilio' });
    const dial = await h.twilio.waitForCall(callId);
    const { callSid } = dial;
    assert.equal(dial.form.get('To'), order.vendor_phone);
    const voiceUrl = new URL(dial.form.get('Url')!);
    assert.deepEqual([voiceUrl.pathname, voiceUrl.searchParams.get('callId'), voiceUrl.searchParams.get('mode')], ['/webhooks/twilio/voice', callId, 'ivr']);
    assert.equal(h.exotel.connectFor(order.vendor_phone).length, 0, 'Exotel was not dialled');

    // Answered: the greeting plays inside a one-key <Gather> whose action is our signed gather URL.
    const greeting = await h.twilio.answerIvr(callSid);
    assert.equal(greeting.status, 200);
    assert.ok(greeting.gather, greeting.twiml);
    assert.deepEqual(
      { ...greeting.gather.attrs, action: undefined },
      { input: 'dtmf', numDigits: '1', finishOnKey: '#', timeout: '6', actionOnEmptyResult: 'true', method: 'POST', action: undefined },
    );
    const action = new URL(greeting.gather.attrs.action);
    assert.equal(action.origin + action.pathname, `${h.gatewayUrl}/webhooks/twilio/gather`);
    assert.equal(action.searchParams.get('callId'), callId);
    const [play] = greeting.heard;
    assert.equal(play.verb, 'Play');
    const audio = Buffer.from(await (await fetch(play.value)).arrayBuffer());
    assert.equal(audio.toString('ascii', 0, 4), 'RIFF', 'the <Play> URL serves the synthesized WAV');

    // No key (Gather timeout) and a wrong key are both misses: the question comes again.
    const silent = await h.twilio.press(callSid, '');
    assert.ok(silent.gather, silent.twiml);
    assert.equal(await promptId(callId), 'summary_retry');
    assert.notEqual(silent.gather.attrs.action, greeting.gather.attrs.action, 'each prompt gathers on its own action URL');
    assert.notEqual(silent.heard[0].value, play.value, 'the retry prompt, not the greeting');
    const wrong = await h.twilio.press(callSid, '7');
    assert.ok(wrong.gather);
    assert.equal(await promptId(callId), 'summary_retry');

    // Accept: the prep-time question gathers a typed number ended by '#'.
    const accepted = await h.twilio.press(callSid, '1');
    assert.ok(accepted.gather, accepted.twiml);
    assert.equal(accepted.gather.attrs.numDigits, undefined);
    assert.equal(accepted.gather.attrs.finishOnKey, '#');
    assert.equal(await promptId(callId), 'prep_time');
    // Twilio sends the same action again: the same update answers it, the key is not taken twice.
    const retried = await h.twilio.resendLastAction(callSid);
    assert.equal(retried.twiml, accepted.twiml);

    const done = await h.twilio.press(callSid, '25#');
    assert.equal(done.status, 200);
    assert.equal(done.gather, undefined);
    assert.equal(done.hungUp, true);
    assert.match(done.twiml, /^<\?xml[^>]*><Response><Play>[^<]+\.wav<\/Play><Hangup\/><\/Response>$/);
    assert.equal(done.completed?.status, 200, 'the completed status callback is accepted');

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    assert.equal(result.prepTimeMinutes, 25, 'the typed "25#" reached the workflow as 25');
    assert.deepEqual(result.digits, ['1', '25']);
    assert.equal(result.callSid, callSid);
    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 1, 'Jupiter heard once');
    assert.equal(reports[0].body.status, 'ACCEPTED');
    assert.equal(reports[0].body.prep_time_minutes, 25);
    const inputs = (await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'digits' ORDER BY id", [callId])).rows.map((r) => r.data.digits);
    assert.deepEqual(inputs, ['', '7', '1', '25'], 'every Gather result once, the retried request not again');
    const row = (await db.pg.query('SELECT provider, outcome FROM calls WHERE id = $1', [callId])).rows[0];
    assert.deepEqual(row, { provider: 'twilio', outcome: 'ACCEPTED' });
  });

  test('three misses end the call with the goodbye and <Hangup/>: NO_RESPONSE', async () => {
    const callId = await start('vendor-order-confirmation', { ...vendorOrder('TI1002'), provider: 'twilio' });
    const { callSid } = await h.twilio.waitForCall(callId);
    await h.twilio.answerIvr(callSid);
    assert.ok((await h.twilio.press(callSid, '')).gather);
    assert.ok((await h.twilio.press(callSid, '#')).gather, 'a lone # is no input');
    const last = await h.twilio.press(callSid, '9');
    assert.equal(last.hungUp, true);
    assert.equal(last.gather, undefined);
    assert.equal(await promptId(callId), 'no_response');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'NO_RESPONSE');
    assert.deepEqual(h.jupiter.reportsFor('TI1002').map((r) => r.body.status), ['NO_RESPONSE']);
  });

  test('rider assignment: the rider declines with one key', async () => {
    const job = riderJob('TI2001');
    const callId = await start('rider-assignment', { ...job, provider: 'twilio' });
    const { callSid } = await h.twilio.waitForCall(callId);
    const greeting = await h.twilio.answerIvr(callSid);
    assert.equal(greeting.gather?.attrs.numDigits, '1');
    const declined = await h.twilio.press(callSid, '0');
    assert.equal(declined.hungUp, true);
    assert.equal(declined.completed?.status, 200);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'REJECTED');
    assert.deepEqual(result.digits, ['0']);
    const reports = h.jupiter.reportsFor('TI2001', 'rider-assignment');
    assert.equal(reports.length, 1);
    assert.equal(reports[0].body.rider_id, job.rider_id);
    assert.equal(h.jupiter.orderUpdates.filter((u) => u.orderId === 'TI2001').at(-1)?.body.status, 'RIDER_DECLINED');
  });
});

describe('keypad calls over media streams (mode voicebot): keys arrive as stream DTMF', () => {
  test('vendor over the Exotel stream: accept, prep time from the menu', async () => {
    const callId = await start('vendor-order-confirmation', { ...vendorOrder('ES1001'), provider: 'exotel', mode: 'voicebot' });
    const { caller } = await exotelStream(callId);
    await pressAfterPrompts(caller, ['1', '2']);
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the bot to close the stream after the thank-you');
    assert.equal(caller.closed!.code, 1000);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    assert.equal(result.prepTimeMinutes, 30);
    assert.deepEqual(result.digits, ['1', '2']);
    assert.deepEqual(h.jupiter.reportsFor('ES1001').map((r) => r.body.status), ['ACCEPTED']);
    const transcript = (await db.pg.query("SELECT text FROM call_transcripts WHERE call_id = $1 AND speaker = 'caller' ORDER BY id", [callId])).rows;
    assert.deepEqual(transcript.map((t) => t.text), ['[keys] 1', '[keys] 2']);
  });

  test('vendor over the Exotel stream types the prep time: the minutes ended by # reach the workflow as one answer', async () => {
    const callId = await start('vendor-order-confirmation', { ...vendorOrder('ES1002'), provider: 'exotel', mode: 'voicebot' });
    const { caller } = await exotelStream(callId);
    await pressAfterPrompts(caller, ['1']);
    await caller.heardPrompt();
    for (const key of ['4', '5', '#']) caller.dtmf(key);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    assert.equal(result.prepTimeMinutes, 45);
    assert.deepEqual(result.digits, ['1', '45']);
  });

  test('rider over the Exotel stream: a wrong key is asked again, then the rider declines', async () => {
    const callId = await start('rider-assignment', { ...riderJob('ES2001'), mode: 'voicebot' }); // provider: IVR_PROVIDER (exotel)
    const { caller } = await exotelStream(callId);
    await pressAfterPrompts(caller, ['5']);
    await caller.heardPrompt();
    assert.equal(await promptId(callId), 'summary_retry');
    caller.dtmf('0');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'REJECTED');
    assert.deepEqual(h.jupiter.reportsFor('ES2001', 'rider-assignment').map((r) => r.body.status), ['REJECTED']);
  });

  test('vendor over the Twilio stream rejects with a reason', async () => {
    const callId = await start('vendor-order-confirmation', { ...vendorOrder('TS1001'), provider: 'twilio', mode: 'voicebot' });
    const { caller } = await twilioStream(callId);
    await pressAfterPrompts(caller, ['0', '2']);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'REJECTED');
    assert.equal(result.rejectionReason, 'SHOP_CLOSED');
    const reports = h.jupiter.reportsFor('TS1001');
    assert.equal(reports.length, 1);
    assert.equal(reports[0].body.rejection_reason, 'SHOP_CLOSED');
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the goodbye and close');
  });

  test('an accepted vendor call over the Twilio stream starts its rider call over the Twilio stream too', async () => {
    const rider = { rider_id: 'RD-TS2', rider_phone: '+919900223344', rider_name: 'Kabir' };
    const callId = await start('vendor-order-confirmation', { ...vendorOrder('TS2001', { rider }), provider: 'twilio', mode: 'voicebot' });
    const vendor = await twilioStream(callId);
    await pressAfterPrompts(vendor.caller, ['1', '1']);
    const vendorResult = await h.result(callId);
    assert.equal(vendorResult.outcome, 'ACCEPTED');
    assert.equal(vendorResult.riderCallId, 'rider-assignment-TS2001');

    // The harness calls the rider at once (RIDER_CALL_BUFFER_MINUTES=60 exceeds the prep time).
    const riderCall = await twilioStream('rider-assignment-TS2001');
    assert.equal(h.twilio.call(riderCall.callSid).form.get('To'), rider.rider_phone);
    await pressAfterPrompts(riderCall.caller, ['1']);
    const riderResult = await h.result('rider-assignment-TS2001');
    assert.equal(riderResult.outcome, 'ACCEPTED');
    assert.deepEqual(h.jupiter.reportsFor('TS2001', 'rider-assignment').map((r) => r.body.status), ['ACCEPTED']);
    assert.equal(h.exotel.connectFor(rider.rider_phone).length, 0, 'the rider call kept the provider');
  });
});

describe('lead qualification over the Twilio stream', () => {
  test('the model collects the fields from μ-law speech; the lead is qualified', async () => {
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'TL1', phone: '+919700000021', name: 'Arjun', language: 'en', fields: ['location'], provider: 'twilio' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const { caller } = await twilioStream(started.body.call_id);
    await caller.heardPrompt();
    h.speechHost.enqueueReply({ say: 'Thank you Arjun, our advisor will call you. Goodbye.', collected: { location: 'Pune' }, should_end: true, escalate: false });
    h.speechHost.enqueueTranscript('Somewhere in Pune.', { language: 'en' });
    caller.speak(await speak('Somewhere in Pune.'));
    caller.silence(900);
    const result = await h.result(started.body.call_id);
    assert.equal(result.outcome, 'QUALIFIED');
    assert.deepEqual(h.jupiter.reportsFor('TL1')[0].body.fields, { location: 'Pune' });
    assert.ok(h.speechHost.chats.at(-1)!.body.messages.some((m: any) => m.content === 'Somewhere in Pune.'), 'the model saw the transcribed words');
    await caller.waitFor(() => caller.closed !== undefined, 20_000, 'goodbye and close');
  });
});

describe('keypad requests: provider and mode are validated', () => {
  test('an unknown provider or mode is 400 and starts nothing', async () => {
    const badProvider = await h.api('POST', '/api/nerve/vendor-order-confirmation', { ...vendorOrder('BP1'), provider: 'nokia' });
    assert.equal(badProvider.status, 400);
    assert.ok(badProvider.body.issues.some((i: any) => i.path === 'provider'));
    const badMode = await h.api('POST', '/api/nerve/rider-assignment', { ...riderJob('BP2'), mode: 'fax' });
    assert.equal(badMode.status, 400);
    assert.ok(badMode.body.issues.some((i: any) => i.path === 'mode'));
    for (const key of ['BP1', 'BP2']) {
      for await (const wf of h.client.workflow.list({ query: `OrderId = '${key}'` })) assert.fail(`a workflow was started: ${wf.workflowId}`);
    }
  });
});
