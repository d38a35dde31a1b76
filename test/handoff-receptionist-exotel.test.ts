// Warm handoff over Exotel for the receptionist (a speech-to-speech model bridged to the caller) and
// the way back to the bot when nobody answers. Exotel cannot move a live call: the workflow gives
// the model session a hand-over directive, the session says a hold line (or lets the model's own
// reply finish) and closes its Voicebot stream marked handed-over, and the fake Exotel plays the flow
// on: Passthru after the stream (302) → Passthru "to agent" (200) → the Connect applet's dynamic URL
// → the agent leg → the Passthru after the Connect. With HANDOFF_NO_AGENT=bot that last Passthru
// answers 200 and the flow loops back to the Voicebot applet: a new stream on the same CallSid, and
// the bot carries on (the receptionist seeded with the conversation, the questionnaire asking again).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { cache } from '../lib/cache';
import { readStream } from '../lib/stream-liveness';
import { inboundCallId } from '../workflows/messages';
import { ExotelHandoffFlow } from './fakes/exotel-handoff-flow';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, STREAM_PASSWORD, WEBHOOK_SECRET } from './harness';
import { useHandoffHarness } from './support/handoff-harness';
import { speak } from './speech';
import { openDayAhead } from './support/clinic';

const RECEPTION = '+918047112277';
const QUESTIONNAIRE = '+918047112288';
const AGENT = '+919800000666';
const DESK_SECRET = 'test-agent-desk-secret-reception';
const HOLD_LINE = 'Please hold, I am connecting you to a colleague.';
const env: Record<string, string> = {
  INBOUND_ROUTES: JSON.stringify({ [RECEPTION]: { bot: 'appointment-agent', language: 'en' }, [QUESTIONNAIRE]: { bot: 'questionnaire', language: 'en' } }),
  APPOINTMENT_MAX_CALL_SECONDS: '120',
  HANDOFF_AGENT: AGENT,
  HANDOFF_RING_SECONDS: '30',
  HANDOFF_NO_AGENT: 'bot',
  HANDOFF_WRAP_UP_SECONDS: '60',
};
const { h, db, desk } = useHandoffHarness(env, DESK_SECRET);

const exotelAuth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };
const flow = () => new ExotelHandoffFlow(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}`);
const GREETING = { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } } as const;

/** A caller rings an ExoPhone whose flow starts with the Voicebot applet; the same CallSid comes back on every stream of the call. */
function exotelCall(from: string, line: string) {
  const callSid = randomBytes(16).toString('hex');
  const open = async () => {
    const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', exotelAuth);
    caller.start(callSid, {}, 8000, { from, to: line });
    return caller;
  };
  return { callSid, callId: inboundCallId('exotel', callSid), open, parties: { callSid, from: `0${from.slice(3)}`, to: `0${line.slice(3)}` } };
}

/** Speech the fake model transcribes by its script (the receptionist hears the caller itself). */
async function talk(caller: StreamCaller, text: string) {
  caller.speak(await speak(text, 'en'));
  caller.silence(800);
}

/** Speech for a prompted bot, whose words the fake speech host transcribes. */
async function answer(caller: StreamCaller, text: string) {
  h.speechHost.enqueueTranscript(text, { language: 'en' });
  caller.speak(await speak(text, 'en'));
  caller.silence(900);
}

async function lifecycleOf(callId: string) {
  return (await h.api('GET', `/api/nerve/calls/${callId}`)).body.lifecycle;
}

async function instructionsSent(pattern: RegExp, since = 0) {
  await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').slice(since).some((e: any) => pattern.test(e.response?.instructions ?? '')), 20_000, `a response.create asking ${pattern}`);
}

describe('the receptionist handed to a person over Exotel', () => {
  test('the caller asks for an agent (the rules): the hold line, the stream let go, the "to agent" branch, the Connect answer; the agent talks; disposition, one report', async () => {
    h.realtime.script([
      GREETING,
      { transcript: 'I want to talk to an agent please.' }, // the model stays quiet: the rules act on the transcript
      { expectSpeech: false, respond: { say: HOLD_LINE, audioMs: 700 } },
    ]);
    const call = exotelCall('+919812348101', RECEPTION);
    const caller = await call.open();
    await sleep(1000); // the greeting plays
    await talk(caller, 'I want to talk to an agent please.');

    await instructionsSent(/Please hold, I am connecting you to a colleague\./);
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the session letting go of the stream');
    assert.equal(caller.closed!.code, 1000);
    const [delivery] = await eventually(() => (desk.deliveriesFor(call.callId).length ? desk.deliveriesFor(call.callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(delivery.validSignature, true);
    assert.deepEqual([delivery.body.call_type, delivery.body.reason, delivery.body.requested_by], ['appointment-agent', 'caller_asked_for_person', 'rules']);
    assert.ok(delivery.body.last_turns.some((t: any) => t.speaker === 'caller' && /agent/.test(t.text)), 'the desk sees what the caller said');
    assert.equal(await readStream(cache(), call.callId), 'handed-over', 'the stream was let go, not hung up or lost');

    const exotel = flow();
    const trace = await exotel.afterStream(call.parties, 'answers');
    assert.equal(trace.streamEnded, 302, 'not back to the Voicebot: on to the agent');
    assert.equal(trace.toAgent, 200, 'the "to agent" branch');
    assert.equal(trace.connect!.status, 200, JSON.stringify(trace.connect!.body));
    assert.ok(trace.connect!.answer, `a Connect answer Exotel can read: ${JSON.stringify(trace.connect!.body)}`);
    assert.deepEqual(trace.dialled, [AGENT]);
    assert.equal(trace.connect!.answer!.max_ringing_duration, 30);
    assert.equal(trace.agentHeard, delivery.body.summary, 'the agent hears the summary the desk got');
    assert.equal(trace.agentDial!.status, 302, 'after the conversation the flow says goodbye and hangs up');
    assert.equal(trace.voicemail, 'Thank you for calling. Goodbye.');
    assert.equal(exotel.connectRequests.length, 1);
    assert.equal((await lifecycleOf(call.callId)).handoff.agent.status, 'completed');

    const disposition = await h.api('POST', `/api/nerve/calls/${call.callId}/disposition`, { outcome: 'booked_by_agent', agent_id: 'neha' });
    assert.equal(disposition.status, 200, JSON.stringify(disposition.body));
    const result = await h.result(call.callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(call.callId);
    assert.equal(reports.length, 1, 'one report');
    assert.equal(reports[0].body.handoff.reason, 'caller_asked_for_person');
    assert.equal(reports[0].body.handoff.agent_status, 'completed');
    assert.deepEqual(reports[0].body.handoff.disposition, { outcome: 'booked_by_agent', agentId: 'neha' });
    assert.equal(desk.deliveriesFor(call.callId).length, 1, 'the context reached the desk once');
    const lifecycle = await lifecycleOf(call.callId);
    assert.deepEqual(lifecycle.history.map((t: any) => [t.to, t.actor]), [['ACTIVE', 'orchestrator'], ['HANDED_OFF', 'rules'], ['ENDED', 'agent:neha']]);
    const lost = await db.pg.query("SELECT 1 FROM call_events WHERE call_id = $1 AND kind IN ('stream_lost', 'stream_guard_failed')", [call.callId]);
    assert.equal(lost.rowCount, 0, 'the guard did not take the hand-over for a lost stream');
    // The flow asking again (a retried Passthru) dials nobody twice.
    const again = await flow().afterStream(call.parties, 'answers');
    assert.deepEqual([again.streamEnded, again.toAgent], [302, 302]);
  });

  test('the model asks for a person; nobody answers: back to the Voicebot, the receptionist resumes seeded with the conversation, books, and reports BOOKED with the handoff', async () => {
    const date = openDayAhead();
    h.realtime.script([
      GREETING,
      {
        transcript: 'This is too complicated, can someone else help me?',
        respond: { toolCall: { name: 'transfer_to_human', arguments: { reason: 'caller wants a person' } }, then: { say: 'Connecting you to a colleague now.', audioMs: 600 } },
      },
      { expectSpeech: false, respond: { say: 'Sorry about that, where were we?', audioMs: 500 } },
      { transcript: 'Book me at eleven please, my name is Kavya.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Kavya', date, time: '11:00' } }, then: { say: 'Booked.', audioMs: 300 } } },
    ]);
    const call = exotelCall('+919812348102', RECEPTION);
    const createsBefore = h.realtime.receivedOf('response.create').length;
    const first = await call.open();
    await sleep(1000);
    await talk(first, 'This is too complicated, can someone else help me?');
    await first.waitFor(() => first.closed !== undefined, 30_000, 'the session letting go of the stream after the model’s own words');
    const said = await eventually(async () => (await db.pg.query("SELECT 1 FROM call_transcripts WHERE call_id = $1 AND text = 'Connecting you to a colleague now.'", [call.callId])).rowCount || undefined, 15_000, 'the model’s reply recorded');
    assert.ok(said);
    assert.ok(!h.realtime.receivedOf('response.create').slice(createsBefore).some((e: any) => /Please hold/.test(e.response?.instructions ?? '')), 'no hold line on top of the model’s own words');
    const [delivery] = await eventually(() => (desk.deliveriesFor(call.callId).length ? desk.deliveriesFor(call.callId) : undefined), 15_000, 'the desk webhook');
    assert.deepEqual([delivery.body.requested_by, delivery.body.reason], ['model', 'caller wants a person']);

    const trace = await flow().afterStream(call.parties, 'no-answer');
    assert.deepEqual([trace.streamEnded, trace.toAgent, trace.connect?.status], [302, 200, 200]);
    assert.equal(trace.agentDial!.status, 200, 'HANDOFF_NO_AGENT=bot: back to the Voicebot');
    assert.equal(trace.end, 'voicebot');

    const resumedFrom = h.realtime.receivedOf('response.create').length;
    const second = await call.open();
    await instructionsSent(/where were we/, resumedFrom);
    const seeded = h.realtime.receivedOf('conversation.item.create').map((e: any) => e.item).filter((i: any) => i.type === 'message');
    assert.ok(seeded.some((i: any) => i.role === 'user' && /someone else help/.test(i.content[0].text)), 'the new session knows what the caller asked');
    await sleep(1200);
    assert.equal(second.closed, undefined, 'the spent hand-over does not close the new stream');
    await talk(second, 'Book me at eleven please, my name is Kavya.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM appointments WHERE customer_name = 'Kavya'")).rowCount || undefined, 20_000, 'the booking after coming back');
    await sleep(800);
    second.stop();

    const result = await h.result(call.callId);
    assert.equal(result.outcome, 'BOOKED', 'back with the bot, the call ends as its conversation did');
    const reports = h.jupiter.reportsFor(call.callId);
    assert.equal(reports.length, 1);
    assert.match(reports[0].body.confirmation_number, /^APT-\d{5}$/);
    assert.equal(reports[0].body.handoff.agent_status, 'no-answer');
    assert.equal(reports[0].body.handoff.requested_by, 'model');
    assert.equal(desk.deliveriesFor(call.callId).length, 1);
    const over = await flow().afterStream(call.parties, 'answers');
    assert.deepEqual([over.streamEnded, over.toAgent], [302, 302], 'the call is over: the flow hangs up');
  });
});

describe('the receptionist handed off by an operator over Exotel', () => {
  test('the operator asks through the API; the caller hangs up during the hold line: the call ends ESCALATED (a call back is owed), reported once, and the flow dials nobody', async () => {
    h.realtime.script([GREETING, { expectSpeech: false, respond: { say: HOLD_LINE, audioMs: 6000, paced: true } }]);
    const call = exotelCall('+919812348104', RECEPTION);
    const createsBefore = h.realtime.receivedOf('response.create').length;
    const caller = await call.open();
    await sleep(1000);
    const handoff = await h.api('POST', `/api/nerve/calls/${call.callId}/handoff/request`, { reason: 'vip caller', requested_by: 'operator:ravi' });
    assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
    await instructionsSent(/Please hold/, createsBefore);
    await sleep(500);
    assert.equal(caller.closed, undefined, 'the hold line is still playing');
    caller.stop(); // Exotel's stop says "callended": the caller is gone, not only the stream

    const result = await h.result(call.callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(call.callId);
    assert.equal(reports.length, 1);
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.requested_by, reports[0].body.handoff.agent_status], ['vip caller', 'operator:ravi', null]);
    await eventually(() => (desk.deliveriesFor(call.callId).length ? true : undefined), 15_000, 'the desk webhook');
    assert.equal(desk.deliveriesFor(call.callId).length, 1);
    const trace = await flow().afterStream(call.parties, 'answers');
    assert.deepEqual([trace.streamEnded, trace.toAgent], [302, 302], 'a call that is over goes to the hang-up branch');
  });
});

describe('the caller leaves while the agent rings', () => {
  test('the Passthru after the Connect says client-hangup: the call ends at once, ESCALATED (a call back is owed), not sent back to the bot', async () => {
    h.realtime.script([GREETING, { transcript: 'Let me talk to the manager.' }, { expectSpeech: false, respond: { say: HOLD_LINE, audioMs: 700 } }]);
    const call = exotelCall('+919812348105', RECEPTION);
    const caller = await call.open();
    await sleep(1000);
    await talk(caller, 'Let me talk to the manager.');
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the session letting go of the stream');

    const trace = await flow().afterStream(call.parties, 'caller-hangs-up');
    assert.deepEqual([trace.streamEnded, trace.toAgent, trace.connect?.status], [302, 200, 200]);
    assert.equal(trace.agentDial!.status, 302, 'nobody to take back to the bot');
    assert.deepEqual(trace.agentDial!.body, { call_id: call.callId, agent: 'no-answer', next: 'hangup' });
    const result = await h.result(call.callId);
    assert.equal(result.outcome, 'ESCALATED');
    const reports = h.jupiter.reportsFor(call.callId);
    assert.equal(reports.length, 1);
    assert.deepEqual([reports[0].body.handoff.reason, reports[0].body.handoff.agent_status], ['caller_asked_for_person', 'no-answer']);
    assert.equal(desk.deliveriesFor(call.callId).length, 1);
  });
});

describe('back to the bot over Exotel (HANDOFF_NO_AGENT=bot)', () => {
  test('the spoken questionnaire: the caller asks for a manager, nobody answers, the flow loops back to the Voicebot; the question is asked again and the call ends with its own outcome', async () => {
    const call = exotelCall('+919812348103', QUESTIONNAIRE);
    const first = await call.open();
    await first.heardPrompt();
    await answer(first, 'Yes, I am.');
    await first.heardPrompt(); // question 2
    await answer(first, 'Can I speak to a manager?');
    await first.waitFor(() => first.closed !== undefined, 30_000, 'the hand-over line and the stream closing');
    await eventually(() => (desk.deliveriesFor(call.callId).length ? true : undefined), 15_000, 'the desk webhook');

    const trace = await flow().afterStream(call.parties, 'no-answer');
    assert.deepEqual([trace.streamEnded, trace.toAgent, trace.connect?.status], [302, 200, 200]);
    assert.equal(trace.agentDial!.status, 200, 'back to the Voicebot');
    assert.deepEqual(trace.agentDial!.body, { call_id: call.callId, agent: 'no-answer', next: 'bot' });
    assert.equal((await lifecycleOf(call.callId)).handoff.agent.status, 'no-answer');

    const again = await call.open();
    await again.heardPrompt(); // question 2, asked again (not the hand-over line, not question 1)
    await sleep(300);
    assert.equal(again.closed, undefined, 'the new stream stays open');
    await answer(again, 'Yes, I have one.');
    await again.heardPrompt();
    await answer(again, 'Yes, of course.');
    await again.waitFor(() => again.closed !== undefined, 30_000, 'the goodbye and close');

    const result = await h.result(call.callId);
    assert.equal(result.outcome, 'ELIGIBLE', 'the script carried on to its own outcome');
    const reports = h.jupiter.reportsFor(call.callId);
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0].body.answers.map((a: any) => a.answer), ['yes', 'yes', 'yes']);
    assert.equal(reports[0].body.handoff.agent_status, 'no-answer');
    assert.equal(desk.deliveriesFor(call.callId).length, 1);
    const bot = (await db.pg.query("SELECT text FROM call_transcripts WHERE call_id = $1 AND speaker = 'bot' ORDER BY seq", [call.callId])).rows.map((r) => r.text);
    assert.equal(bot.filter((t) => t === HOLD_LINE).length, 1, 'the hand-over line was said once');
    // After the goodbye the flow's Passthru ends the call: nobody is dialled again.
    const over = await flow().afterStream(call.parties, 'answers');
    assert.deepEqual([over.streamEnded, over.toAgent], [302, 302]);
  });
});
