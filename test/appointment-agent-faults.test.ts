// The appointment receptionist when time runs out or a worker dies: the goodbye is said and the
// line closed; a booking whose worker died mid-tool is made once and its output still reaches
// the model.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client as Pg } from 'pg';
import { inboundWorkflow } from '../gateway/inbound-workflow';
import { loadConfig } from '../lib/config';
import { twilioSignature } from '../providers/twilio/signature';
import { callStateQuery, inboundCallId, providerStatusSignal } from '../workflows/messages';
import { DEFAULT_QUESTIONNAIRES } from '../workflows/questionnaire-prompts';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, useHarness } from './harness';
import { speak } from './speech';
import { openDayAhead } from './support/clinic';

const LINE = '+14155550133';
const { h, db } = useHarness({ env: { INBOUND_ROUTES: JSON.stringify({ [LINE]: { bot: 'appointment-agent', language: 'en' } }) } });

/**
 * Starts an appointment call with the gateway's own input but a time limit of our choosing, and
 * opens its Twilio stream. The fake Twilio knows the call as answered, so hanging it up by REST
 * brings its `completed` status callback, as Twilio's would.
 */
async function appointmentCall(maxCallSeconds: number) {
  const callSid = h.twilio.incomingCall({ from: '+919812399001', to: LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
  h.twilio.statusOfCall.set(callSid, 'in-progress'); // answered by the workflow started below, not by the voice webhook
  const config = loadConfig();
  const callId = inboundCallId('twilio', callSid);
  const inbound = { callSid, from: '+919812399001', to: LINE };
  const workflow = inboundWorkflow(config, () => DEFAULT_QUESTIONNAIRES.en, { bot: 'appointment-agent', language: 'en' }, { callId, provider: 'twilio', mode: 'voicebot', inbound });
  await h.client.workflow.signalWithStart('appointmentAgent', {
    workflowId: callId, taskQueue: config.CALLS_TASK_QUEUE, args: [{ ...workflow.input, maxCallSeconds }], typedSearchAttributes: workflow.searchAttributes,
    signal: providerStatusSignal, signalArgs: [{ callSid, event: 'answered' }],
  });
  const url = `${h.gatewayUrl.replace(/^http/, 'ws')}/media/twilio`;
  const caller = await StreamCaller.open(url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', url) });
  caller.start(callSid, { callId });
  return { caller, callId };
}

describe('the call has a time limit', () => {
  test('at the limit the receptionist says goodbye, the line is closed, and the call ends', async () => {
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic.', audioMs: 400 } },
      { expectSpeech: false, respond: { say: 'We have run out of time. Goodbye.', audioMs: 600 } }, // the goodbye, asked for at the limit
    ]);
    const { caller, callId } = await appointmentCall(4);
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the line closed after the goodbye');
    assert.equal(caller.closed!.code, 1000);
    const goodbye = h.realtime.receivedOf('response.create').map((e: any) => e.response?.instructions ?? '').find((t: string) => t.includes('run out of time'));
    assert.ok(goodbye, 'the model was asked to say the goodbye');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'NO_RESPONSE');
    const { rows } = await db.pg.query("SELECT 1 FROM call_events WHERE call_id = $1 AND kind = 'time_up'", [callId]);
    assert.equal(rows.length, 1);
  });
});

describe('a worker dies during a tool call', () => {
  test('the booking is made once and the model still gets its output', async () => {
    const date = openDayAhead();
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic.', audioMs: 400 } },
      { transcript: 'Book me at nine thirty.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Kiran', date, time: '09:30' } }, then: { say: 'Booked.', audioMs: 300 } } },
    ]);
    const { caller, callId } = await appointmentCall(120);
    await sleep(800);
    caller.speak(await speak('Book me at nine thirty please.', 'en'));
    caller.silence(800);
    // The moment the row exists the activity has run: kill the worker before it can report back.
    await eventually(async () => (await db.pg.query("SELECT 1 FROM appointments WHERE customer_name = 'Kiran'")).rowCount || undefined, 20_000, 'the booking');
    await h.killWorker('calls');
    await h.startWorker('calls');
    await h.realtime.waitFor(
      () => h.realtime.receivedOf('conversation.item.create').some((e: any) => e.item.type === 'function_call_output' && e.item.output.includes('Kiran')),
      60_000,
      'the output after the restart',
    );
    assert.equal((await db.pg.query("SELECT count(*)::int AS n FROM appointments WHERE customer_name = 'Kiran'")).rows[0].n, 1, 'booked once');
    caller.stop();
    const result = await h.result(callId);
    assert.equal(result.outcome, 'BOOKED');
    assert.equal(h.jupiter.reportsFor(callId).length, 1);
  });
});

describe('the model misbehaves', () => {
  test('error events, rate limits and a malformed frame from Realtime cost nothing: the same session goes on and books', async () => {
    const date = openDayAhead();
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic.', audioMs: 400 } },
      { transcript: 'Book me at two.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Tara', date, time: '14:00' } }, then: { say: 'Booked.', audioMs: 300 } } },
    ]);
    const connections = h.realtime.connectionCount;
    const { caller, callId } = await appointmentCall(120);
    await h.realtime.waitFor(() => h.realtime.connectionCount > connections && h.realtime.openConnections > 0, 10_000, 'the session');
    await sleep(800);
    h.realtime.sendError({ type: 'server_error', message: 'The server had an error while processing your request.' });
    h.realtime.sendError({ type: 'invalid_request_error', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests.' });
    h.realtime.sendRateLimits([{ name: 'tokens', limit: 400000, remaining: 0, reset_seconds: 1.5 }]);
    h.realtime.sendRaw('{"type": "response.output_audio.delta", "delta": '); // cut off mid-frame
    h.realtime.sendRaw('{"type":"response.unknown_event_from_the_future"}');
    caller.speak(await speak('Book me at two please.', 'en'));
    caller.silence(800);
    await eventually(async () => (await db.pg.query("SELECT 1 FROM appointments WHERE customer_name = 'Tara'")).rowCount || undefined, 20_000, 'the booking');
    assert.equal(h.realtime.connectionCount, connections + 1, 'no reconnect: the session survived');
    assert.equal(caller.closed, undefined, 'the line stayed open');
    caller.stop();
    assert.equal((await h.result(callId)).outcome, 'BOOKED');
  });
});

describe('the caller hangs up while a booking is being written', () => {
  test('the booking finishes and the call reports it: BOOKED with its confirmation number', async () => {
    const date = openDayAhead();
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic.', audioMs: 400 } },
      { transcript: 'Book me at ten.', respond: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Ravi', date, time: '10:00' } }, then: { say: 'Booked.', audioMs: 300 } } },
    ]);
    // Hold the booking's INSERT behind a table lock until the caller has gone.
    const lock = new Pg({ connectionString: process.env.DATABASE_URL });
    await lock.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE appointments IN ACCESS EXCLUSIVE MODE');
      const { caller, callId } = await appointmentCall(120);
      await sleep(800);
      caller.speak(await speak('Book me at ten please.', 'en'));
      caller.silence(800);
      const waiting = "SELECT 1 FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query ILIKE '%appointments%'";
      await eventually(async () => (await db.pg.query(waiting)).rowCount || undefined, 20_000, 'the booking waiting on the lock');
      caller.stop();
      const hungUp = async () => (await h.client.workflow.getHandle(callId).query(callStateQuery)).transitions.some((t) => t.event === 'terminal');
      await eventually(async () => (await hungUp()) || undefined, 20_000, 'the hang-up reaching the call');
      await lock.query('COMMIT');
      const result = await h.result(callId);
      assert.equal(result.outcome, 'BOOKED');
      const [report] = h.jupiter.reportsFor(callId);
      assert.match(report.body.confirmation_number, /^APT-\d{5}$/);
    } finally {
      await lock.query('ROLLBACK').catch(() => {});
      await lock.end();
    }
  });
});
