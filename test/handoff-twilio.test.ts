// Warm handoff of one of our own calls over Twilio: the appointment receptionist's model asks
// for a person (transfer_to_human); the workflow hands the call off, the agent desk gets the
// signed context once, and the live call is updated to <Dial> the agent with a whisper URL that
// speaks the summary to the agent before bridging. The agent leg's callbacks drive the
// lifecycle: the agent answers and the disposition closes the call, or nobody answers and the
// caller hears the voicemail message.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId } from '../workflows/messages';
import { StreamCaller } from './fakes/stream-caller';
import { eventually } from './harness';
import { useHandoffHarness } from './support/handoff-harness';
import { speak } from './speech';

const LINE = '+14155550177';
const AGENT = '+919800000999';
const DESK_SECRET = 'test-agent-desk-secret-4567';
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({ [LINE]: { bot: 'appointment-agent', language: 'en' } }),
  APPOINTMENT_MAX_CALL_SECONDS: '120',
  HANDOFF_AGENT: AGENT,
  HANDOFF_RING_SECONDS: '25',
  HANDOFF_NO_AGENT: 'voicemail',
  HANDOFF_VOICEMAIL_TEXT: 'Sorry, our team is busy. We will call you back.',
  HANDOFF_WRAP_UP_SECONDS: '60',
};
const { h, desk } = useHandoffHarness(env, DESK_SECRET);

const GREETING = { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } } as const;
// Words the handoff rules do not take for a request (the model decides): "someone else can help".
const ASKS_FOR_PERSON = {
  transcript: 'This is too complicated, can someone else help me?',
  respond: { toolCall: { name: 'transfer_to_human', arguments: { reason: 'caller asked for a person' } }, then: { say: 'Connecting you to a colleague now.', audioMs: 300 } },
};

async function callAndAskForPerson(from: string, request = ASKS_FOR_PERSON) {
  h.realtime.script([GREETING, request]);
  const callSid = h.twilio.incomingCall({ from, to: LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
  const turn = await h.twilio.ring(callSid);
  assert.equal(turn.status, 200, turn.twiml);
  const caller = await StreamCaller.open(turn.stream!.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', turn.stream!.url) });
  caller.start(callSid, turn.stream!.parameters);
  await sleep(800); // the greeting plays
  caller.speak(await speak('This is too complicated, can someone else help me?', 'en'));
  caller.silence(800);
  const callId = inboundCallId('twilio', callSid);
  await eventually(() => h.twilio.updates.some((u) => u.callSid === callSid), 20_000, 'the call update to the agent');
  caller.stop(); // Twilio ends the stream when the call's TwiML is replaced
  return { callSid, callId };
}

describe('warm handoff over Twilio', () => {
  test('the call is moved to <Dial> the agent with a whisper of the summary; the agent answers; the disposition closes the call', async () => {
    const { callSid, callId } = await callAndAskForPerson('+919812345101');
    const dial = h.twilio.dialOf(callSid);
    assert.equal(dial.target.noun, 'Number');
    assert.equal(dial.target.value, AGENT);
    assert.equal(dial.attrs.timeout, '25');
    const whisperUrl = new URL(dial.target.attrs.url);
    assert.equal(whisperUrl.pathname, '/webhooks/twilio/agent-whisper');
    assert.equal(whisperUrl.searchParams.get('callId'), callId);
    assert.equal(new URL(dial.attrs.action).pathname, '/webhooks/twilio/agent-dial');
    assert.equal(dial.target.attrs.statusCallbackEvent, 'answered completed');

    // The agent's desk has the context before anyone is connected.
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(delivery.validSignature, true);
    assert.equal(delivery.body.reason, 'caller asked for a person');
    assert.equal(delivery.body.requested_by, 'model');
    assert.match(delivery.body.summary, /^appointment-agent call/);

    // The agent picks up and hears the summary, alone, before the caller is bridged.
    const whisper = await h.twilio.agentAnswers(callSid);
    assert.equal(whisper.length, 1);
    assert.equal(whisper[0].verb, 'Say');
    assert.equal((whisper[0] as { value: string }).value, delivery.body.summary);
    const answered = await eventually(async () => {
      const { body } = await h.api('GET', `/api/nerve/calls/${callId}`);
      return body.lifecycle.handoff?.agent?.status === 'answered' ? body.lifecycle : undefined;
    }, 10_000, 'the agent leg answered');
    assert.equal(answered.state, 'HANDED_OFF');

    // The conversation with the agent ends: the caller's call hangs up after the <Dial>.
    const after = await h.twilio.dialEnds(callSid, 'completed');
    assert.equal(after.status, 200, after.twiml);
    assert.equal(after.hungUp, true);
    const disposition = await h.api('POST', `/api/nerve/calls/${callId}/disposition`, { outcome: 'booked_by_agent', agent_id: 'meera' });
    assert.equal(disposition.status, 200, JSON.stringify(disposition.body));
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reports.filter((r) => r.body.call_id === callId);
    assert.equal(reports.length, 1);
    assert.equal(reports[0].body.handoff.reason, 'caller asked for a person');
    assert.equal(reports[0].body.handoff.agent_status, 'completed');
    assert.deepEqual(reports[0].body.handoff.disposition, { outcome: 'booked_by_agent', agentId: 'meera' });
    assert.equal(desk.deliveriesFor(callId).length, 1, 'the context reached the desk once');
    const { body } = await h.api('GET', `/api/nerve/calls/${callId}`);
    assert.deepEqual(body.lifecycle.history.map((t: any) => [t.to, t.actor]), [['ACTIVE', 'orchestrator'], ['HANDED_OFF', 'model'], ['ENDED', 'agent:meera']]);
  });

  test('the caller asks for a person in Hinglish (the rules hand off); nobody answers: the voicemail message, ESCALATED for a call back', async () => {
    const { callSid, callId } = await callAndAskForPerson('+919812345102', { ...ASKS_FOR_PERSON, transcript: 'mujhe kisi insaan se baat karni hai' });
    const after = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.equal(after.status, 200, after.twiml);
    assert.deepEqual(after.heard.map((s) => s.value), ['Sorry, our team is busy. We will call you back.']);
    assert.equal(after.hungUp, true);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ESCALATED');
    const [report] = h.jupiter.reports.filter((r) => r.body.call_id === callId);
    assert.equal(report.body.handoff.agent_status, 'no-answer');
    assert.equal(report.body.handoff.requested_by, 'rules');
    assert.equal(report.body.handoff.reason, 'caller_asked_for_person');
    assert.equal(report.body.handoff.disposition, null);
  });
});
