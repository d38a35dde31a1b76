// The receptionist over Twilio with HANDOFF_NO_AGENT=bot: the model asks for a person, the live
// call is moved to <Dial> the agent, nobody answers, and the <Dial>'s action URL is answered with a
// new <Connect><Stream> to the bot. The new media stream's model session is seeded with the
// conversation so far and resumes; the caller books, and the call reports BOOKED with the handoff.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId } from '../workflows/messages';
import { StreamCaller } from './fakes/stream-caller';
import { eventually } from './harness';
import { useHandoffHarness } from './support/handoff-harness';
import { signalsAfter } from './support/workflow-history';
import { speak } from './speech';
import { openDayAhead } from './support/clinic';

const LINE = '+14155550193';
const AGENT = '+919800000444';
const DESK_SECRET = 'test-agent-desk-secret-twilio-back';
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({ [LINE]: { bot: 'appointment-agent', language: 'en' } }),
  APPOINTMENT_MAX_CALL_SECONDS: '120',
  HANDOFF_AGENT: AGENT,
  HANDOFF_RING_SECONDS: '20',
  HANDOFF_NO_AGENT: 'bot',
  HANDOFF_WRAP_UP_SECONDS: '30',
};
const { h, db, desk } = useHandoffHarness(env, DESK_SECRET);

const ASK = 'This is too complicated, can someone else help me?';
const book = (name: string) => `Book me at eleven please, my name is ${name}.`;

async function openStream(callSid: string, stream: { url: string; parameters: Record<string, string> }) {
  const caller = await StreamCaller.open(stream.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', stream.url) });
  caller.start(callSid, stream.parameters);
  return caller;
}

/** Speech the fake model transcribes by its script (the receptionist hears the caller itself). */
async function talk(caller: StreamCaller, text: string) {
  caller.speak(await speak(text, 'en'));
  caller.silence(800);
}

describe('the receptionist over Twilio, back to the bot when nobody answers', () => {
  test('the model asks for a person; nobody answers: a new stream, the session resumes seeded with the conversation, books, BOOKED with the handoff', async () => {
    const { callSid, callId, first } = await modelTransfersTheCaller('+919812349201', 'Farah', '11:00');
    first.stop(); // Twilio ends the stream when the call's TwiML is replaced
    assert.equal(h.twilio.dialOf(callSid).target.value, AGENT);
    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.deepEqual([delivery.body.call_type, delivery.body.requested_by, delivery.body.reason], ['appointment-agent', 'model', 'caller wants a person']);

    // Nobody answers: the action URL's answer opens a stream to the bot again, for the same call.
    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.equal(back.status, 200, back.twiml);
    assert.ok(back.stream, `a stream back to the bot: ${back.twiml}`);
    assert.equal(back.stream!.parameters.callId, callId);
    assert.equal((await h.api('GET', `/api/nerve/calls/${callId}`)).body.lifecycle.handoff.agent.status, 'no-answer');
    await resumesAndBooks(callSid, back.stream!, 'Farah');

    const result = await h.result(callId);
    assert.equal(result.outcome, 'BOOKED', 'back with the bot, the call ends as its conversation did');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1, 'one report');
    assert.equal(reports[0].body.status, 'BOOKED');
    assert.match(reports[0].body.confirmation_number, /^APT-\d{5}$/);
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.requested_by, reports[0].body.handoff.agent_status], ['caller wants a person', 'model', 'no-answer']);
    assert.equal(desk.deliveriesFor(callId).length, 1, 'the context reached the desk once');
    assert.equal(h.twilio.updates.filter((u) => u.callSid === callSid).length, 1, 'one transfer');
    const lost = await db.pg.query("SELECT 1 FROM call_events WHERE call_id = $1 AND kind IN ('stream_lost', 'stream_guard_failed')", [callId]);
    assert.equal(lost.rowCount, 0, 'the guard took neither stream end for a lost stream');
  });

  test('the first stream\'s end reaches the workflow only after nobody answered: not a hang-up, the call resumes on the new stream and books', async () => {
    const { callSid, callId, first } = await modelTransfersTheCaller('+919812349202', 'Irfan', '11:30') // another slot: Farah has 11:00;
    await eventually(() => (desk.deliveriesFor(callId).length ? true : undefined), 15_000, 'the desk webhook');
    const back = await h.twilio.dialEnds(callSid, 'no-answer');
    assert.ok(back.stream, `a stream back to the bot: ${back.twiml}`);
    // The order a loaded gateway can produce: the first stream's stop is reported after the agent leg ended.
    first.stop();
    await eventually(async () => (await signalsAfter(h.client, callId, 'agent-leg:no-answer')).includes('providerStatus'), 20_000, 'the first stream\'s end in the workflow');
    await resumesAndBooks(callSid, back.stream!, 'Irfan');
    assert.equal((await h.result(callId)).outcome, 'BOOKED');
    assert.equal(h.jupiter.reportsFor(callId).length, 1, 'one report');
  });
});

/** A caller rings the receptionist and asks for someone else; the model's transfer moves the live call to dial the agent. */
async function modelTransfersTheCaller(from: string, name: string, time: string) {
  const date = openDayAhead();
  h.realtime.script([
    { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } },
    { transcript: ASK, respond: { toolCall: { name: 'transfer_to_human', arguments: { reason: 'caller wants a person' } }, then: { say: 'Connecting you to a colleague now.', audioMs: 300 } } },
    { expectSpeech: false, respond: { say: 'Sorry about that, where were we?', audioMs: 500 } },
    { transcript: book(name), respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: name, date, time } }, then: { say: 'Booked.', audioMs: 300 } } },
  ]);
  const callSid = h.twilio.incomingCall({ from, to: LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
  const callId = inboundCallId('twilio', callSid);
  const turn = await h.twilio.ring(callSid);
  assert.equal(turn.status, 200, turn.twiml);
  const first = await openStream(callSid, turn.stream!);
  await sleep(1000); // the greeting plays
  await talk(first, ASK);
  await eventually(() => h.twilio.updates.some((u) => u.callSid === callSid), 20_000, 'the call update to the agent');
  return { callSid, callId, first };
}

/** On the stream back to the bot the model's session resumes seeded with the conversation; the caller books, then hangs up. */
async function resumesAndBooks(callSid: string, stream: { url: string; parameters: Record<string, string> }, name: string) {
  const resumedFrom = h.realtime.receivedOf('response.create').length;
  const second = await openStream(callSid, stream);
  await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').slice(resumedFrom).some((e: any) => /where were we/.test(e.response?.instructions ?? '')), 20_000, 'the resumed session asking to carry on');
  const seeded = h.realtime.receivedOf('conversation.item.create').map((e: any) => e.item).filter((i: any) => i.type === 'message');
  assert.ok(seeded.some((i: any) => i.role === 'user' && /someone else help/.test(i.content[0].text)), 'the new session knows what the caller asked');
  await sleep(1200);
  assert.equal(second.closed, undefined, 'the new stream stays open');
  await talk(second, book(name));
  await eventually(async () => (await db.pg.query('SELECT 1 FROM appointments WHERE customer_name = $1', [name])).rowCount || undefined, 20_000, 'the booking after coming back');
  await sleep(800);
  second.stop();
  await h.twilio.sendStatus(callSid, 'completed'); // the caller hangs up
}
