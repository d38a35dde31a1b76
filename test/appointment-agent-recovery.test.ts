// The gateway dies mid-call (SIGKILL, its sockets gone without a word): the call's workflow notices
// the stream's mark expire, re-points the live Twilio call at a new <Connect><Stream> by a REST
// call update, the new session on the restarted gateway is seeded with the conversation and picks
// up ("where were we"), and the booking is made once. A graceful shutdown hands the call over the
// same way at once; on Exotel the flow's Passthru after the Voicebot applet loops back to it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId } from '../workflows/messages';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, STREAM_PASSWORD, useHarness, WEBHOOK_SECRET } from './harness';
import { speak } from './speech';
import { openDayAhead } from './support/clinic';

const LINE = '+14155550133';
const EXOTEL_LINE = '+918047112255';
const { h, db } = useHarness({
  gatewayProcess: true,
  env: {
    INBOUND_ROUTES: JSON.stringify({ [LINE]: { bot: 'appointment-agent', language: 'en' }, [EXOTEL_LINE]: { bot: 'appointment-agent', language: 'en' } }),
    APPOINTMENT_MAX_CALL_SECONDS: '120',
  },
});

/** Twilio opens the stream its TwiML names, signed, and starts it with the TwiML's parameters. */
async function openStream(callSid: string, stream: { url: string; parameters: Record<string, string> }) {
  const caller = await StreamCaller.open(stream.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', stream.url) });
  caller.start(callSid, stream.parameters);
  return caller;
}

/** Runs `open` and waits until its model session has been asked for the greeting, and the greeting has played. */
async function greeted<T>(open: () => Promise<T>): Promise<T> {
  const before = h.realtime.receivedOf('response.create').length;
  const opened = await open();
  await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').length > before, 15_000, 'the greeting');
  await sleep(800);
  return opened;
}

async function say(caller: StreamCaller, text: string) {
  caller.speak(await speak(text, 'en'));
  caller.silence(800);
}

describe('the gateway dies mid-call', () => {
  test('on Twilio the call is re-attached to a new stream on the restarted gateway, resumes, and books once', async () => {
    const date = openDayAhead();
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } },
      { transcript: 'I want to come on Monday.', respond: { say: 'Sure, what is your name?', audioMs: 400 } },
      { transcript: 'Meera.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Meera', date, time: '16:00' } }, then: { say: 'Booked.', audioMs: 300 } } },
    ]);
    const callSid = h.twilio.incomingCall({ from: '+919812345061', to: LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
    const callId = inboundCallId('twilio', callSid);
    const turn = await h.twilio.ring(callSid);
    assert.equal(turn.status, 200, turn.twiml);
    assert.deepEqual(turn.verbs.at(-1), { verb: 'Pause', length: 30 }, 'Twilio holds the line after the stream');
    const first = await greeted(() => openStream(callSid, turn.stream!));
    await say(first, 'I want to come on Monday.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM call_transcripts WHERE call_id = $1 AND text = 'Sure, what is your name?'", [callId])).rowCount || undefined, 15_000, 'the first exchange recorded');

    await h.killGateway();
    await first.waitFor(() => first.closed !== undefined, 5_000, 'the dead gateway’s socket to drop');
    await h.startGateway();

    const update = await h.twilio.waitForUpdate(callSid, (u) => u.stream !== undefined, 30_000);
    assert.deepEqual(update.stream!.parameters, { callId }, 'the new stream names the call');
    assert.deepEqual(update.verbs.at(-1), { verb: 'Pause', length: 30 }, 'and holds the line again');
    const resumed = h.realtime.receivedOf('response.create').length;
    const second = await openStream(callSid, update.stream!);
    await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').slice(resumed).some((e: any) => /where were we/.test(e.response?.instructions ?? '')), 15_000, 'the resume');
    const seeded = h.realtime.receivedOf('conversation.item.create').map((e: any) => e.item).filter((i: any) => i.type === 'message');
    assert.ok(seeded.some((i: any) => i.role === 'user' && i.content[0].text.includes('Monday')), 'the new session knows the caller said Monday');
    assert.ok(seeded.some((i: any) => i.role === 'assistant' && i.content[0].text === 'Sure, what is your name?'));

    await sleep(1000);
    await say(second, 'Meera.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM appointments WHERE customer_name = 'Meera'")).rowCount || undefined, 20_000, 'the booking after the recovery');
    await sleep(800);
    second.stop();
    await h.twilio.sendStatus(callSid, 'completed');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'BOOKED');
    assert.equal((await db.pg.query("SELECT count(*)::int AS n FROM appointments WHERE customer_name = 'Meera'")).rows[0].n, 1, 'booked once');
    assert.equal(h.jupiter.reportsFor(callId).length, 1, 'reported once');
    const lost = (await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'stream_lost'", [callId])).rows;
    assert.equal(lost.length, 1, 'one recovery');
    assert.equal(h.twilio.updates.filter((u) => u.callSid === callSid && u.stream).length, 1, 'one call update');
  });

  test('on Twilio a graceful shutdown (SIGTERM) hands the call over: it is re-pointed at once and carries on', async () => {
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } },
      { transcript: 'Do you have anything on Tuesday?', respond: { say: 'Let me check.', audioMs: 300 } },
    ]);
    const callSid = h.twilio.incomingCall({ from: '+919812345062', to: LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
    const callId = inboundCallId('twilio', callSid);
    const first = await greeted(async () => openStream(callSid, (await h.twilio.ring(callSid)).stream!));
    await say(first, 'Do you have anything on Tuesday?');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM call_transcripts WHERE call_id = $1 AND text = 'Let me check.'", [callId])).rowCount || undefined, 15_000, 'the first exchange recorded');

    await h.killGateway('SIGTERM');
    await first.waitFor(() => first.closed !== undefined, 5_000, 'the stream to close');
    assert.equal(first.closed!.code, 1001, 'the stream was let go, not cut');
    await h.startGateway();
    const update = await h.twilio.waitForUpdate(callSid, (u) => u.stream !== undefined, 30_000);
    const second = await openStream(callSid, update.stream!);
    await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').some((e: any) => /where were we/.test(e.response?.instructions ?? '')), 15_000, 'the resume');
    const state = await h.client.workflow.getHandle(callId).describe();
    assert.equal(state.status.name, 'RUNNING', 'the shutdown did not end the call');
    second.stop();
    await h.twilio.sendStatus(callSid, 'completed');
    assert.equal((await h.result(callId)).outcome, 'INFO_ONLY');
    assert.equal(h.jupiter.reportsFor(callId).length, 1);
  });

  test("on Exotel the flow's Passthru after the Voicebot applet sends the caller back to it (200) while the call runs, and hangs up (302) once it is over", async () => {
    const date = openDayAhead();
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } },
      { transcript: 'I want to come on Monday.', respond: { say: 'Sure, what is your name?', audioMs: 400 } },
      { transcript: 'Ravi.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Ravi', date, time: '11:00' } }, then: { say: 'Booked.', audioMs: 300 } } },
    ]);
    const callSid = randomBytes(16).toString('hex');
    const callId = inboundCallId('exotel', callSid);
    const parties = { from: '+919812345063', to: EXOTEL_LINE };
    const openExotel = async () => {
      const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') });
      caller.start(callSid, {}, 8000, parties);
      return caller;
    };
    // What Exotel's Passthru applet asks when the Voicebot applet's stream has ended.
    const passthru = () =>
      fetch(`${h.gatewayUrl}/webhooks/exotel/${WEBHOOK_SECRET}/stream-ended?${new URLSearchParams({ CallSid: callSid, CallFrom: '09812345063', CallTo: '08047112255', 'Stream[Status]': 'completed', 'Stream[DisconnectedBy]': 'bot' })}`, { redirect: 'manual' });

    const first = await greeted(openExotel);
    await say(first, 'I want to come on Monday.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM call_transcripts WHERE call_id = $1 AND text = 'Sure, what is your name?'", [callId])).rowCount || undefined, 15_000, 'the first exchange recorded');

    await h.killGateway();
    await h.startGateway();
    const resume = await passthru();
    assert.equal(resume.status, 200, 'back to the Voicebot applet');
    assert.deepEqual(await resume.json(), { call_id: callId, resume: true });
    const resumed = h.realtime.receivedOf('response.create').length;
    const second = await openExotel();
    await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').slice(resumed).some((e: any) => /where were we/.test(e.response?.instructions ?? '')), 15_000, 'the resume');
    await sleep(1000);
    await say(second, 'Ravi.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM appointments WHERE customer_name = 'Ravi'")).rowCount || undefined, 20_000, 'the booking after the recovery');
    await sleep(800);
    second.stop();
    assert.equal((await h.result(callId)).outcome, 'BOOKED');
    assert.equal((await db.pg.query("SELECT count(*)::int AS n FROM appointments WHERE customer_name = 'Ravi'")).rows[0].n, 1, 'booked once');
    const over = await passthru();
    assert.equal(over.status, 302, 'a call that is over goes to the hang-up branch');
  });
});
