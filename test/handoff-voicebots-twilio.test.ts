// Warm handoff of the prompted voice bots over Twilio: the spoken questionnaire's caller asks for
// a person, the script stops asking and the live call is moved to <Dial> the agent (the same call
// update as the receptionist's). Nobody answers and HANDOFF_NO_AGENT=bot: Twilio gets a new
// <Connect><Stream>, the caller is back with the bot, which asks the question again and finishes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId } from '../workflows/messages';
import { StreamCaller } from './fakes/stream-caller';
import { eventually } from './harness';
import { useHandoffHarness } from './support/handoff-harness';
import { speak } from './speech';

const LINE = '+14155550188';
const AGENT = '+919800000888';
const DESK_SECRET = 'test-agent-desk-secret-voicebots';
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({ [LINE]: { bot: 'questionnaire', language: 'en' } }),
  HANDOFF_AGENT: AGENT,
  HANDOFF_NO_AGENT: 'bot',
  HANDOFF_WRAP_UP_SECONDS: '30',
};
const { h, desk } = useHandoffHarness(env, DESK_SECRET);

async function say(caller: StreamCaller, text: string) {
  h.speechHost.enqueueTranscript(text, { language: 'en' });
  caller.speak(await speak(text, 'en'));
  caller.silence(900);
}

async function openStream(callSid: string, stream: { url: string; parameters: Record<string, string> }) {
  const caller = await StreamCaller.open(stream.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', stream.url) });
  caller.start(callSid, stream.parameters);
  return caller;
}

describe('the spoken questionnaire handed to a person over Twilio', () => {
  test('asks for a manager: the call is moved to the agent; nobody answers: back to the bot, which asks again and finishes', async () => {
    const callSid = h.twilio.incomingCall({ from: '+919812347001', to: LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
    const callId = inboundCallId('twilio', callSid);
    const turn = await h.twilio.ring(callSid);
    assert.equal(turn.status, 200, turn.twiml);
    const caller = await openStream(callSid, turn.stream!);
    await caller.heardPrompt();
    await say(caller, 'Yes, I am.');
    await caller.heardPrompt(); // question 2
    await say(caller, 'Can I speak to a manager?');

    await eventually(() => h.twilio.updates.some((u) => u.callSid === callSid), 20_000, 'the call update to the agent');
    caller.stop(); // Twilio ends the stream when the call's TwiML is replaced
    const dial = h.twilio.dialOf(callSid);
    assert.equal(dial.target.value, AGENT);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(delivery.body.call_type, 'questionnaire');
    assert.equal(delivery.body.reason, 'caller_asked_for_person');
    const handedOff = (await h.api('GET', `/api/nerve/calls/${callId}`)).body.lifecycle;
    assert.equal(handedOff.state, 'HANDED_OFF');

    // Nobody answers: Twilio is told to open a stream to the bot again.
    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.equal(back.status, 200, back.twiml);
    assert.ok(back.stream, `a stream back to the bot: ${back.twiml}`);
    assert.equal(back.stream!.parameters.callId, callId);
    const again = await openStream(callSid, back.stream!);
    await again.heardPrompt(); // question 2, asked again
    await say(again, 'Yes, I have one.');
    await again.heardPrompt();
    await say(again, 'Yes, of course.');
    await again.waitFor(() => again.closed !== undefined, 30_000, 'the goodbye and close');

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ELIGIBLE', 'the script carried on to its own outcome');
    const [report] = h.jupiter.reportsFor(callId);
    assert.deepEqual(report.body.answers.map((a: any) => a.answer), ['yes', 'yes', 'yes']);
    assert.equal(report.body.handoff.agent_status, 'no-answer');
    assert.equal(report.body.handoff.reason, 'caller_asked_for_person');
    assert.equal(desk.deliveriesFor(callId).length, 1);
    assert.equal(h.twilio.updates.filter((u) => u.callSid === callSid).length, 1, 'one transfer');
  });
});
