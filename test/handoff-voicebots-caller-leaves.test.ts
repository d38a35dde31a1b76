// The prompted voice bots (the spoken questionnaire, the lead bot) handed to a person whose caller
// hangs up while the agent rings, with HANDOFF_NO_AGENT=bot. The agent leg ends unanswered, so the
// lifecycle sends the call back to the bot for a moment before the hang-up arrives: the script
// asks again, hears nothing, and must still report ESCALATED (a call back is owed), not its own
// NO_RESPONSE. Exotel: the Passthru after the Connect says CallType=client-hangup. Twilio: the
// <Dial>'s action URL comes with the parent call completed, then the call's completed callback.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId } from '../workflows/messages';
import { ExotelHandoffFlow } from './fakes/exotel-handoff-flow';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, STREAM_PASSWORD, WEBHOOK_SECRET } from './harness';
import { useHandoffHarness } from './support/handoff-harness';
import { signalsAfter } from './support/workflow-history';
import { speak } from './speech';

const EXOTEL_QUESTIONNAIRE = '+918047112311';
const EXOTEL_LEAD = '+918047112322';
const TWILIO_QUESTIONNAIRE = '+14155550191';
const TWILIO_LEAD = '+14155550192';
const AGENT = '+919800000555';
const DESK_SECRET = 'test-agent-desk-secret-leaves';
const LEAD_ROUTE = { bot: 'lead-qualification', language: 'en', topic: 'home loans', fields: ['city'] };
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({
    [EXOTEL_QUESTIONNAIRE]: { bot: 'questionnaire', language: 'en' },
    [EXOTEL_LEAD]: LEAD_ROUTE,
    [TWILIO_QUESTIONNAIRE]: { bot: 'questionnaire', language: 'en' },
    [TWILIO_LEAD]: LEAD_ROUTE,
  }),
  HANDOFF_AGENT: AGENT,
  HANDOFF_NO_AGENT: 'bot',
  HANDOFF_WRAP_UP_SECONDS: '30',
};
const { h, db, desk } = useHandoffHarness(env, DESK_SECRET);

const exotelAuth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };

async function say(caller: StreamCaller, text: string) {
  h.speechHost.enqueueTranscript(text, { language: 'en' });
  caller.speak(await speak(text, 'en'));
  caller.silence(900); // the endpointer needs 600 ms of quiet to close the utterance
}

/** The questionnaire's caller answers question 1 and asks for a person on question 2. */
async function answerOneThenAskForManager(caller: StreamCaller) {
  await caller.heardPrompt();
  await say(caller, 'Yes, I am.');
  await caller.heardPrompt(); // question 2
  await say(caller, 'Can I speak to a manager?');
}

/** A caller rings an ExoPhone whose flow starts with the Voicebot applet. */
async function exotelCall(from: string, line: string) {
  const callSid = randomBytes(16).toString('hex');
  const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', exotelAuth);
  caller.start(callSid, {}, 8000, { from, to: line });
  return { caller, callId: inboundCallId('exotel', callSid), parties: { callSid, from: `0${from.slice(3)}`, to: `0${line.slice(3)}` } };
}

/** A caller rings a Twilio number whose voice URL is our gateway: <Connect><Stream>. */
async function twilioCall(from: string, line: string) {
  const callSid = h.twilio.incomingCall({ from, to: line, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
  const turn = await h.twilio.ring(callSid);
  assert.equal(turn.status, 200, turn.twiml);
  const caller = await StreamCaller.open(turn.stream!.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', turn.stream!.url) });
  caller.start(callSid, turn.stream!.parameters);
  return { caller, callSid, callId: inboundCallId('twilio', callSid) };
}

/** The Twilio call is moved to <Dial> the agent; the caller hangs up while it rings. */
async function twilioCallerLeavesWhileAgentRings(caller: StreamCaller, callSid: string, callId: string) {
  await eventually(() => h.twilio.updates.some((u) => u.callSid === callSid), 20_000, 'the call update to the agent');
  caller.stop(); // Twilio ends the stream when the call's TwiML is replaced
  assert.equal(h.twilio.dialOf(callSid).target.value, AGENT);
  await eventually(() => (desk.deliveriesFor(callId).length ? true : undefined), 15_000, 'the desk webhook');
  const ended = await h.twilio.dialEnds(callSid, 'no-answer', { callerHungUp: true });
  assert.equal(ended.status, 200, ended.twiml);
  assert.deepEqual(ended.verbs.map((v) => v.verb), ['Hangup'], `nothing more for a caller who is gone, no stream back to the bot: ${ended.twiml}`);
  assert.equal(ended.completed?.status, 200, JSON.stringify(ended.completed?.body));
}

/** The Exotel bot closed its stream; the flow dials the agent and the caller hangs up while it rings. */
async function exotelCallerLeavesWhileAgentRings(caller: StreamCaller, callId: string, parties: { callSid: string; from: string; to: string }) {
  await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the hand-over line and the stream closing');
  await eventually(() => (desk.deliveriesFor(callId).length ? true : undefined), 15_000, 'the desk webhook');
  const trace = await new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`).afterStream(parties, 'caller-hangs-up');
  assert.deepEqual([trace.streamEnded, trace.toAgent, trace.connect?.status], [302, 200, 200]);
  assert.deepEqual([trace.agentDial!.status, trace.agentDial!.body.next], [302, 'hangup'], 'nobody to take back to the bot');
}

/** One report, ESCALATED, naming the handoff whose agent nobody answered; the desk got the context once. */
async function assertEscalated(callId: string) {
  const result = await h.result(callId);
  assert.equal(result.outcome, 'ESCALATED', 'handed off and never back with the bot: a call back is owed');
  const reports = h.jupiter.reportsFor(callId);
  assert.equal(reports.length, 1);
  assert.equal(reports[0].body.status, 'ESCALATED');
  assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.agent_status], ['caller_asked_for_person', 'no-answer']);
  assert.equal(desk.deliveriesFor(callId).length, 1);
  return reports[0].body;
}

describe('the caller hangs up while the agent rings (HANDOFF_NO_AGENT=bot)', () => {
  test('the questionnaire over Exotel (Passthru CallType=client-hangup): ESCALATED, not NO_RESPONSE', async () => {
    const { caller, callId, parties } = await exotelCall('+919812349101', EXOTEL_QUESTIONNAIRE);
    await answerOneThenAskForManager(caller);
    await exotelCallerLeavesWhileAgentRings(caller, callId, parties);
    const report = await assertEscalated(callId);
    assert.deepEqual(report.answers.map((a: any) => a.answer), ['yes'], 'the answer before the handoff is kept');
  });

  test('the lead bot over Exotel: ESCALATED with the handoff field', async () => {
    const { caller, callId, parties } = await exotelCall('+919812349102', EXOTEL_LEAD);
    await caller.heardPrompt(); // the welcome
    await say(caller, 'Can I speak to a manager?');
    await exotelCallerLeavesWhileAgentRings(caller, callId, parties);
    const report = await assertEscalated(callId);
    assert.deepEqual(report.missing, ['city']);
  });

  test('the questionnaire over Twilio (the <Dial> action with the caller gone): ESCALATED, not NO_RESPONSE', async () => {
    const { caller, callSid, callId } = await twilioCall('+919812349103', TWILIO_QUESTIONNAIRE);
    await answerOneThenAskForManager(caller);
    await twilioCallerLeavesWhileAgentRings(caller, callSid, callId);
    const report = await assertEscalated(callId);
    assert.deepEqual(report.answers.map((a: any) => a.answer), ['yes']);
  });

  test('the lead bot over Twilio: ESCALATED with the handoff field', async () => {
    const { caller, callSid, callId } = await twilioCall('+919812349104', TWILIO_LEAD);
    await caller.heardPrompt(); // the welcome
    await say(caller, 'Can I speak to a manager?');
    await twilioCallerLeavesWhileAgentRings(caller, callSid, callId);
    const report = await assertEscalated(callId);
    assert.equal(report.lead_id, callId);
  });
});

describe('a lead back with the bot', () => {
  test('over Twilio: nobody answers, the lead is back on a new stream and talks: the script\'s own outcome (QUALIFIED) with the handoff field', async () => {
    const { caller, callSid, callId } = await twilioLeadAsksForPerson('+919812349106');
    caller.stop();
    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    await backOnNewStreamGivesCity(callSid, back);
    assert.equal((await h.result(callId)).outcome, 'QUALIFIED', 'back with the bot, the call ends as its conversation did');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0].body.fields, { city: 'Pune' });
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.agent_status], ['caller_asked_for_person', 'no-answer']);
  });

  test('over Twilio: the handed-off stream\'s end reaches the workflow only after the lead is back with the bot: not a hang-up, the new stream hears the welcome again', async () => {
    const { caller, callSid, callId } = await twilioLeadAsksForPerson('+919812349107');
    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    // The order a loaded gateway can produce: the first stream's stop is reported after the agent leg ended.
    caller.stop();
    await eventually(async () => (await signalsAfter(h.client, callId, 'agent-leg:no-answer')).includes('providerStatus'), 20_000, 'the first stream\'s end in the workflow');
    await backOnNewStreamGivesCity(callSid, back);
    assert.equal((await h.result(callId)).outcome, 'QUALIFIED');
    const events = (await db.pg.query("SELECT kind FROM call_events WHERE call_id = $1 AND kind = 'stream_ended_by_handoff'", [callId])).rows;
    assert.equal(events.length, 1, 'the first stream\'s end is kept in the journal as the handoff\'s');
  });
});

/** A lead rings over Twilio and asks the bot for a person: the live call is moved to dial the agent. */
async function twilioLeadAsksForPerson(from: string) {
  const call = await twilioCall(from, TWILIO_LEAD);
  await call.caller.heardPrompt(); // the welcome
  await say(call.caller, 'Can I speak to a manager?');
  await eventually(() => h.twilio.updates.some((u) => u.callSid === call.callSid), 20_000, 'the call update to the agent');
  return call;
}

/** Nobody answered: on the stream back to the bot the lead hears the welcome again and gives the last field. */
async function backOnNewStreamGivesCity(callSid: string, back: Awaited<ReturnType<typeof h.twilio.dialEnds>>) {
  assert.ok(back.stream, `a stream back to the bot: ${back.twiml}`);
  const again = await StreamCaller.open(back.stream.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', back.stream.url) });
  again.start(callSid, back.stream.parameters);
  await again.heardPrompt(); // the welcome, asked again
  h.speechHost.enqueueReply({ say: 'Thank you, an advisor will call you. Goodbye.', collected: { city: 'Pune' }, should_end: true, escalate: false });
  await say(again, 'I live in Pune.');
}

describe('a call never handed off', () => {
  test('the lead bot over Twilio whose caller hangs up reports by its script as before (NO_RESPONSE, no handoff field)', async () => {
    const { caller, callSid, callId } = await twilioCall('+919812349105', TWILIO_LEAD);
    await caller.heardPrompt();
    caller.stop();
    await h.twilio.sendStatus(callSid, 'completed');
    assert.equal((await h.result(callId)).outcome, 'NO_RESPONSE');
    const [report] = h.jupiter.reportsFor(callId);
    assert.equal(report.body.handoff, undefined);
    assert.equal(desk.deliveriesFor(callId).length, 0);
  });
});
