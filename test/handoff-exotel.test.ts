// Warm handoff of a voice bot's call over Exotel, which cannot move a live call: the spoken
// questionnaire hears the caller ask for a person (or an operator asks), says a hand-over line
// and closes its Voicebot stream; the fake Exotel plays the flow on from there (Passthru after
// the stream → Passthru "to agent" → the Connect applet's dynamic URL → the agent leg → the
// Passthru after the Connect). The agent desk gets the signed context once, before the agent is
// dialled; the agent hears the summary; the agent leg drives the lifecycle.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { inboundCallId } from '../workflows/messages';
import { ExotelHandoffFlow } from './fakes/exotel-handoff-flow';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, STREAM_PASSWORD, WEBHOOK_SECRET } from './harness';
import { useHandoffHarness } from './support/handoff-harness';
import { speak } from './speech';

const LINE = '+918047112266';
const LINE_LOCAL = '08047112266';
const AGENT = '+919800000777';
const DESK_SECRET = 'test-agent-desk-secret-exotel';
const VOICEMAIL = 'Sorry, our team is busy. We will call you back.';
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({ [LINE]: { bot: 'questionnaire', language: 'en' } }),
  HANDOFF_AGENT: AGENT,
  HANDOFF_RING_SECONDS: '25',
  HANDOFF_NO_AGENT: 'voicemail',
  HANDOFF_VOICEMAIL_TEXT: VOICEMAIL,
  HANDOFF_WRAP_UP_SECONDS: '60',
  EXOTEL_HANDOFF_RECORD: 'true',
};
const { h, desk } = useHandoffHarness(env, DESK_SECRET);

const exotelAuth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };
const flow = () => new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`);

async function say(caller: StreamCaller, text: string) {
  h.speechHost.enqueueTranscript(text, { language: 'en' });
  caller.speak(await speak(text, 'en'));
  caller.silence(900); // the endpointer needs 600 ms of quiet to close the utterance
}

/** A caller rings the questionnaire line through the Voicebot applet and answers the first question. */
async function ringAndAnswerFirst(from: string) {
  const callSid = randomBytes(16).toString('hex');
  const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', exotelAuth);
  caller.start(callSid, {}, 8000, { from, to: LINE });
  const callId = inboundCallId('exotel', callSid);
  await caller.heardPrompt();
  await say(caller, 'Yes, I am.');
  await caller.heardPrompt(); // question 2
  return { caller, callSid, callId, parties: { callSid, from: `0${from.slice(3)}`, to: LINE_LOCAL } };
}

async function lifecycleOf(callId: string) {
  return (await h.api('GET', `/api/nerve/calls/${callId}`)).body.lifecycle;
}

describe('warm handoff over Exotel (the call flow)', () => {
  test('the caller asks for a person: the bot closes its stream, the flow reaches the Connect applet, the agent hears the summary and takes the call', async () => {
    const { caller, callId, parties } = await ringAndAnswerFirst('+919812346101');
    await say(caller, 'I want to talk to an agent please.');
    // The hand-over line plays, then the bot closes the Voicebot socket: the flow moves on.
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the bot closing its stream');
    assert.equal(caller.closed!.code, 1000);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(delivery.validSignature, true);
    assert.equal(delivery.body.reason, 'caller_asked_for_person');
    assert.equal(delivery.body.requested_by, 'rules');

    const exotel = flow();
    const trace = await exotel.afterStream(parties, 'answers');
    assert.equal(trace.streamEnded, 302, 'not back to the Voicebot: on to the agent');
    assert.equal(trace.toAgent, 200, 'the "to agent" branch');
    assert.equal(trace.connect!.status, 200, JSON.stringify(trace.connect!.body));
    assert.ok(trace.connect!.answer, `a Connect answer Exotel can read: ${JSON.stringify(trace.connect!.body)}`);
    assert.deepEqual(trace.dialled, [AGENT]);
    assert.equal(trace.connect!.answer!.max_ringing_duration, 25);
    assert.equal(trace.connect!.answer!.record, true);
    assert.equal(trace.connect!.answer!.fetch_after_attempt, false);
    assert.equal(trace.agentHeard, delivery.body.summary, 'the agent hears the summary the desk got');
    assert.equal(exotel.connectRequests.length, 1);
    // The agent and the caller talked; the flow says goodbye and hangs up.
    assert.equal(trace.agentDial!.status, 302);
    assert.equal(trace.voicemail, 'Thank you for calling. Goodbye.');
    assert.equal((await lifecycleOf(callId)).handoff.agent.status, 'completed');

    const disposition = await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'resolved_by_agent', agent_id: 'asha' });
    assert.equal(disposition.status, 200, JSON.stringify(disposition.body));
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1);
    const report = reports[0].body;
    assert.equal(report.answers.length, 1, 'the script stopped asking at the handoff');
    assert.equal(report.handoff.agent_status, 'completed');
    assert.deepEqual(report.handoff.disposition, { outcome: 'resolved_by_agent', agentId: 'asha' });
    assert.equal(desk.deliveriesFor(callId).length, 1, 'the context reached the desk once');
    const lifecycle = await lifecycleOf(callId);
    assert.deepEqual(lifecycle.history.map((t: any) => [t.to, t.actor]), [['ACTIVE', 'orchestrator'], ['HANDED_OFF', 'rules'], ['ENDED', 'agent:asha']]);
  });

  test('an operator hands the call off; no agent answers: the voicemail message, ESCALATED for a call back', async () => {
    const { caller, callId, parties } = await ringAndAnswerFirst('+919812346102');
    const handoff = await h.api('POST', `/api/nerve/calls/${callId}/handoff/request`, { reason: 'vip caller', requested_by: 'operator:ravi' });
    assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the bot closing its stream');
    await eventually(() => (desk.deliveriesFor(callId).length ? true : undefined), 15_000, 'the desk webhook');

    const trace = await flow().afterStream(parties, 'no-answer');
    assert.deepEqual([trace.streamEnded, trace.toAgent, trace.connect?.status], [302, 200, 200]);
    assert.equal(trace.agentDial!.status, 302, 'not back to the bot: HANDOFF_NO_AGENT=voicemail');
    assert.equal(trace.voicemail, VOICEMAIL);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const [report] = h.jupiter.reportsFor(callId);
    assert.equal(report.body.handoff.agent_status, 'no-answer');
    assert.equal(report.body.handoff.reason, 'vip caller');
    assert.equal(report.body.handoff.disposition, null);
    assert.equal(desk.deliveriesFor(callId).length, 1);
    // The flow asking again (a retried Passthru) changes nothing and is answered the same.
    const again = await flow().afterStream(parties, 'no-answer');
    assert.deepEqual([again.streamEnded, again.toAgent], [302, 302], 'no agent is dialled twice');
  });

  test('an outbound lead qualification call: the model escalates, the call goes to the agent through the flow instead of ending', async () => {
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'LX1', phone: '+919700000021', name: 'Meena', language: 'en', fields: ['city'], provider: 'exotel' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const callId = started.body.call_id;
    const dial = await h.exotel.waitForCall(callId);
    const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', exotelAuth);
    caller.start(dial.callSid, { callId });
    await caller.heardPrompt();
    h.speechHost.enqueueReply({ say: 'Let me get a colleague for you.', collected: { city: 'Pune' }, should_end: false, escalate: true });
    await say(caller, 'This is getting complicated, I live in Pune.');
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the bot closing its stream');
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.deepEqual([delivery.body.call_type, delivery.body.requested_by, delivery.body.entities.city], ['lead-qualification', 'model', 'Pune']);

    const trace = await flow().afterStream({ callSid: dial.callSid, from: '09700000021', to: '08047110000' }, 'answers');
    assert.deepEqual([trace.streamEnded, trace.toAgent, trace.connect?.status, trace.agentDial?.status], [302, 200, 200, 302]);
    assert.equal(trace.agentHeard, delivery.body.summary);
    assert.equal((await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'site_visit_booked' })).status, 200);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const [report] = h.jupiter.reportsFor('LX1');
    assert.deepEqual(report.body.fields, { city: 'Pune' });
    assert.equal(report.body.handoff.requested_by, 'model');
    assert.equal(report.body.handoff.agent_status, 'completed');
  });

  test('the flow for a call that was not handed off, or unknown: hang-up branch, 404, 400 and 401 as JSON', async () => {
    const { caller, callId, parties } = await ringAndAnswerFirst('+919812346103');
    const base = `${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`;
    const toAgent = await fetch(`${base}/to-agent?${new URLSearchParams({ CallSid: parties.callSid })}`, { redirect: 'manual' });
    assert.equal(toAgent.status, 302);
    assert.deepEqual(await toAgent.json(), { call_id: callId, to_agent: false });
    const connect = await fetch(`${base}/agent-connect?${new URLSearchParams({ CallSid: 'unknown-sid' })}`);
    assert.equal(connect.status, 404);
    assert.equal(((await connect.json()) as { error: string }).error, 'no_handoff');
    assert.equal((await fetch(`${base}/agent-connect`)).status, 400);
    assert.equal((await fetch(`${h.gatewayUrl}/webhooks/exotel/wrong-secret/agent-connect?CallSid=x`)).status, 401);
    const leg = await fetch(`${base}/agent-dial?${new URLSearchParams({ CallSid: parties.callSid, CallType: 'completed' })}`, { redirect: 'manual' });
    assert.equal(leg.status, 409, 'no agent leg without a handoff');
    assert.equal((await lifecycleOf(callId)).state, 'ACTIVE', 'nothing changed');
    caller.stop(); // the caller hangs up: the questionnaire ends as it always did
    assert.equal((await h.result(callId)).outcome, 'NO_RESPONSE');
    assert.equal(desk.deliveriesFor(callId).length, 0);
  });
});
