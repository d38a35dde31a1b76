// The appointment receptionist end to end: a caller rings our Twilio (or Exotel) number, the
// gateway bridges the stream to a Realtime session (the fake speaks the documented protocol and
// hears the caller's real audio with its own voice detection), tool calls run in the call's
// workflow against PostgreSQL, and Jupiter hears the outcome once.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId, runToolUpdate } from '../workflows/messages';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, STREAM_PASSWORD, useHarness } from './harness';
import { speak } from './speech';
import { openDayAhead } from './support/clinic';

const LINE = { twilio: '+14155550133', exotel: '+918047112255' };
const ROUTES = { [LINE.twilio]: { bot: 'appointment-agent', language: 'en' }, [LINE.exotel]: { bot: 'appointment-agent', language: 'en' } };
const { h, db } = useHarness({ env: { INBOUND_ROUTES: JSON.stringify(ROUTES), APPOINTMENT_MAX_CALL_SECONDS: '120' } });

const GREETING = { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } } as const;

async function callTwilioLine(from: string) {
  const callSid = h.twilio.incomingCall({ from, to: LINE.twilio, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
  const turn = await h.twilio.ring(callSid);
  assert.equal(turn.status, 200, turn.twiml);
  const caller = await StreamCaller.open(turn.stream!.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', turn.stream!.url) });
  caller.start(callSid, turn.stream!.parameters);
  return { caller, callSid, callId: inboundCallId('twilio', callSid) };
}

async function callExotelLine(from: string) {
  const callSid = randomBytes(16).toString('hex');
  const auth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };
  const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', auth);
  caller.start(callSid, {}, 8000, { from, to: LINE.exotel });
  return { caller, callSid, callId: inboundCallId('exotel', callSid) };
}

/** The caller says something: real synthesized speech, then the quiet that ends the turn. */
async function say(caller: StreamCaller, text: string) {
  caller.speak(await speak(text, 'en'));
  caller.silence(800);
}

describe('the receptionist books', () => {
  test('over Twilio: greeting, slots, booking by tool calls in the workflow, transcript of both sides, BOOKED reported once', async () => {
    const date = openDayAhead();
    h.realtime.script([
      GREETING,
      {
        transcript: `I would like an appointment on ${date}, my name is Asha Rao.`,
        respond: {
          toolCall: { name: 'list_available_slots', arguments: { date } },
          then: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Asha Rao', date, time: '10:00' } }, then: { say: 'You are booked at ten.', audioMs: 500 } },
        },
      },
    ]);
    const { caller, callId } = await callTwilioLine('+919812345001');
    await h.realtime.waitFor(() => h.realtime.receivedOf('session.update').length > 0, 10_000, 'session.update');
    const update: any = h.realtime.receivedOf('session.update')[0];
    assert.equal(update.session.type, 'realtime');
    assert.deepEqual(update.session.audio.input.format, { type: 'audio/pcmu' }, 'Twilio μ-law passes through');
    assert.equal(update.session.audio.input.turn_detection.silence_duration_ms, 500);
    assert.deepEqual(update.session.tools.map((t: any) => t.name).sort(), ['cancel_appointment', 'create_appointment', 'find_appointment', 'list_available_slots', 'transfer_to_human']);

    await sleep(800); // the greeting plays
    await say(caller, 'I would like an appointment on Monday, my name is Asha Rao.');
    const row = await eventually(async () => (await db.pg.query('SELECT confirmation_number, customer_name, slot_time, call_id, status FROM appointments')).rows[0], 20_000, 'the booking');
    assert.equal(row.customer_name, 'Asha Rao');
    assert.equal(row.call_id, callId);
    assert.match(row.confirmation_number, /^APT-\d{5}$/);
    await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').length >= 3, 10_000, 'the reply after the booking');
    const outputs = h.realtime.receivedOf('conversation.item.create').map((e: any) => e.item).filter((i: any) => i.type === 'function_call_output');
    assert.equal(outputs.length, 2);
    assert.deepEqual(JSON.parse(outputs[1].output).appointment.confirmationNumber, row.confirmation_number, 'the model is told the confirmation number');

    await sleep(1000);
    caller.stop();
    const result = await h.result(callId);
    assert.equal(result.outcome, 'BOOKED');
    const reports = h.jupiter.reportsFor(callId);
    assert.equal(reports.length, 1);
    assert.deepEqual([reports[0].body.call_type, reports[0].body.confirmation_number, reports[0].body.caller_phone], ['appointment-agent', row.confirmation_number, '+919812345001']);
    const lines = (await db.pg.query('SELECT speaker, text FROM call_transcripts WHERE call_id = $1 ORDER BY id', [callId])).rows;
    assert.ok(lines.some((l) => l.speaker === 'caller' && l.text.includes('Asha Rao')), JSON.stringify(lines));
    assert.ok(lines.some((l) => l.speaker === 'bot' && l.text === 'You are booked at ten.'), JSON.stringify(lines));
    assert.equal((await db.pg.query('SELECT count(*)::int AS n FROM appointments')).rows[0].n, 1);
  });

  test('over Exotel: PCM16 is resampled to 24 kHz both ways and the booking is made', async () => {
    const date = openDayAhead();
    h.realtime.script([
      GREETING,
      { transcript: 'Book me at eleven.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Ravi', date, time: '11:00' } }, then: { say: 'Done.', audioMs: 300 } } },
    ]);
    const before = h.realtime.receivedOf('session.update').length;
    const { caller, callId } = await callExotelLine('+919812345002');
    await h.realtime.waitFor(() => h.realtime.receivedOf('session.update').length > before, 10_000, 'session.update');
    assert.deepEqual((h.realtime.receivedOf('session.update').at(-1) as any).session.audio.output.format, { type: 'audio/pcm', rate: 24000 });
    await sleep(800);
    await say(caller, 'Book me at eleven please.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM appointments WHERE customer_name = 'Ravi'")).rowCount || undefined, 20_000, 'the booking');
    caller.stop();
    assert.equal((await h.result(callId)).outcome, 'BOOKED');
    assert.ok(caller.mediaAt.length > 0, "the agent's 24 kHz voice reached the 8 kHz line");
  });
});

describe('tools run once', () => {
  test('two callers racing for one slot: exactly one holds it, the other is told it was just booked', async () => {
    const date = openDayAhead();
    h.realtime.script([]);
    const [a, b] = await Promise.all([callTwilioLine('+919812345011'), callTwilioLine('+919812345012')]);
    const handle = (id: string) => h.client.workflow.getHandle(id);
    const book = (call: { callId: string; callSid: string }, toolCallId: string) =>
      handle(call.callId).executeUpdate(runToolUpdate, {
        args: [{ callSid: call.callSid, toolCallId, name: 'create_appointment', arguments: JSON.stringify({ customer_name: 'Racer', date, time: '14:00' }) }],
      });
    await eventually(async () => (await Promise.all([a, b].map((c) => handle(c.callId).describe()))).every((d) => d.status.name === 'RUNNING') || undefined);
    const results = await Promise.all([book(a, 'call_race_a'), book(b, 'call_race_b')]);
    const answers = results.map((r) => JSON.parse(r.output));
    assert.deepEqual(answers.map((x) => x.status).sort(), ['booked', 'slot_taken']);
    const loser = answers.find((x) => x.status === 'slot_taken');
    assert.ok(loser.alternatives.length > 0 && !loser.alternatives.includes(`${date} 14:00`));
    assert.match(loser.message, /just booked/);
    assert.equal((await db.pg.query("SELECT count(*)::int AS n FROM appointments WHERE slot_time = '14:00'")).rows[0].n, 1);
    a.caller.stop();
    b.caller.stop();
  });

  test('the same tool call id twice (a re-sent update, a resumed session) books once and answers the same', async () => {
    const date = openDayAhead();
    h.realtime.script([]);
    const { caller, callId, callSid } = await callTwilioLine('+919812345021');
    const handle = h.client.workflow.getHandle(callId);
    const request = { callSid, toolCallId: 'call_dup', name: 'create_appointment', arguments: JSON.stringify({ customer_name: 'Dup', date, time: '15:00' }) };
    const first = await handle.executeUpdate(runToolUpdate, { args: [request], updateId: 'one' });
    const second = await handle.executeUpdate(runToolUpdate, { args: [request], updateId: 'two' }); // another update id, same tool call
    assert.equal(second.output, first.output);
    assert.equal((await db.pg.query("SELECT count(*)::int AS n FROM appointments WHERE customer_name = 'Dup'")).rows[0].n, 1);
    caller.stop();
  });

  test('bad arguments from the model: a clear error goes back to the model and nothing is written', async () => {
    h.realtime.script([
      GREETING,
      { transcript: 'Book me whenever.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Bad', date: 'next tuesday', time: 'noonish' } }, then: { say: 'Which day?', audioMs: 300 } } },
    ]);
    const { caller } = await callTwilioLine('+919812345031');
    await sleep(800);
    await say(caller, 'Book me whenever you can.');
    await h.realtime.waitFor(() => h.realtime.receivedOf('conversation.item.create').some((e: any) => e.item.type === 'function_call_output' && e.item.output.includes('invalid_arguments')), 20_000, 'the error to the model');
    const output = h.realtime.receivedOf('conversation.item.create').map((e: any) => e.item).find((i: any) => i.output?.includes('invalid_arguments'));
    assert.match(JSON.parse(output.output).message, /date must be YYYY-MM-DD/);
    assert.equal((await db.pg.query("SELECT count(*)::int AS n FROM appointments WHERE customer_name = 'Bad'")).rows[0].n, 0);
    caller.stop();
  });
});

describe('barge-in and dropped sockets', () => {
  test('the caller talks over the agent: the line is cleared and the reply truncated at the audio actually heard', async () => {
    h.realtime.script([{ expectSpeech: false, respond: { say: 'Hello, City Clinic. We are open on weekdays from nine to five, with a lunch break at noon. How can I help you today?', audioMs: 6000 } }]);
    const before = h.realtime.receivedOf('conversation.item.truncate').length;
    const { caller, callId } = await callTwilioLine('+919812345041');
    await sleep(2000); // about two seconds of the greeting are heard
    await say(caller, 'Sorry to interrupt, I need to cancel.');
    await h.realtime.waitFor(() => h.realtime.receivedOf('conversation.item.truncate').length > before, 10_000, 'truncate');
    const truncate: any = h.realtime.receivedOf('conversation.item.truncate').at(-1);
    assert.ok(truncate.audio_end_ms >= 1000 && truncate.audio_end_ms < 6000, `truncated at ${truncate.audio_end_ms} ms`);
    assert.ok(caller.clears > 0, 'the provider was told to clear its buffer');
    caller.stop();
    await h.result(callId);
    const { rows } = await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'agent_interrupted'", [callId]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].data.heardMs, truncate.audio_end_ms);
  });

  test('the Realtime socket drops mid-call: a new session is seeded with the conversation and the call goes on', async () => {
    const date = openDayAhead();
    h.realtime.script([
      GREETING,
      { transcript: 'I want to come on Monday.', respond: { say: 'Sure, what is your name?', audioMs: 400 } },
      { transcript: 'Meera.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Meera', date, time: '16:00' } }, then: { say: 'Booked.', audioMs: 300 } } },
    ]);
    const connections = h.realtime.connectionCount;
    const { caller, callId } = await callTwilioLine('+919812345051');
    await sleep(800);
    await say(caller, 'I want to come on Monday.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM call_transcripts WHERE call_id = $1 AND text = 'Sure, what is your name?'", [callId])).rowCount || undefined, 15_000, 'the first exchange recorded');
    h.realtime.dropAll();
    await h.realtime.waitFor(() => h.realtime.connectionCount === connections + 2, 10_000, 'a new session');
    await h.realtime.waitFor(() => h.realtime.receivedOf('response.create').some((e: any) => /where were we/.test(e.response?.instructions ?? '')), 10_000, 'the resume');
    const seeded = h.realtime.receivedOf('conversation.item.create').map((e: any) => e.item).filter((i: any) => i.type === 'message');
    assert.ok(seeded.some((i: any) => i.role === 'user' && i.content[0].text.includes('Monday')), 'the caller said Monday');
    assert.ok(seeded.some((i: any) => i.role === 'assistant' && i.content[0].text === 'Sure, what is your name?'));
    await sleep(1200);
    await say(caller, 'Meera.');
    await eventually(async () => (await db.pg.query("SELECT 1 FROM appointments WHERE customer_name = 'Meera'")).rowCount || undefined, 20_000, 'the booking after the drop');
    caller.stop();
    assert.equal((await h.result(callId)).outcome, 'BOOKED');
  });
});
