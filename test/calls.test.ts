// End-to-end call tests: real Temporal, PostgreSQL and Redis; fake Exotel and Jupiter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import Redis from 'ioredis';
import { ACTIVE_CALLS_KEY } from '../lib/keys';
import { startVendorCall as startHarnessVendorCall, useHarness, vendorOrder } from './harness';

const { h, db } = useHarness();

const startVendorCall = (orderId: string, overrides: Record<string, unknown> = {}) => startHarnessVendorCall(h, orderId, overrides);

describe('vendor order confirmation', () => {
  test('accept with a prep time: one report, order updated, row and audit log written', async () => {
    h.jupiter.failNextReports = 1; // Jupiter's first answer is a 500: the report must be retried
    const { order, callId, callSid, connect } = await startVendorCall('A1001');

    // The dial request is Exotel's connect-to-flow call.
    assert.equal(connect.authorization, 'Basic ' + Buffer.from('test-key:test-token').toString('base64'));
    assert.equal(connect.form.CallerId, '08047112233');
    assert.equal(connect.form.Url, 'http://my.exotel.com/test-account/exoml/start_voice/424242');
    assert.equal(connect.form.CustomField, callId);
    assert.equal(connect.form['StatusCallbackEvents[0]'], 'answered');
    assert.equal(connect.form['StatusCallbackEvents[1]'], 'terminal');
    assert.match(connect.form.StatusCallback, /\/webhooks\/exotel\/.+\/status$/);

    // The greeting is synthesized before dialling: an 8 kHz mono 16-bit WAV URL.
    const greeting = await h.exotel.answer(callSid);
    assert.match(greeting, /^http:\/\/127\.0\.0\.1:\d+\/audio\/[0-9a-f]{40}\.wav$/);
    const audio = Buffer.from(await (await fetch(greeting)).arrayBuffer());
    assert.equal(audio.toString('ascii', 0, 4), 'RIFF');
    assert.equal(audio.readUInt32LE(24), 8000);
    assert.ok(audio.length > 8000, 'prompt audio is at least half a second');

    const accepted = await h.exotel.press(callSid, '1');
    assert.equal(accepted.status, 200);
    assert.equal(accepted.body.prompt, 'prep_time');
    const prep = await h.exotel.press(callSid, '2');
    assert.equal(prep.status, 302, 'the flow hangs up after the thank-you');
    assert.equal(prep.body.prompt, 'accepted');
    await h.exotel.hangUp(callSid);

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    assert.equal(result.prepTimeMinutes, 30);
    assert.equal(result.reportStatus, 'DELIVERED');

    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 2, 'one 500, then one retry');
    assert.equal(new Set(reports.map((r) => r.idempotencyKey)).size, 1, 'the retry carries the same Idempotency-Key');
    const delivered = reports.filter((r) => r.answeredStatus === 200);
    assert.equal(delivered.length, 1);
    assert.deepEqual(
      { ...delivered[0].body, answered_at: undefined },
      {
        call_id: callId, call_sid: callSid, call_type: 'vendor-order-confirmation', status: 'ACCEPTED', business_key: 'A1001', order_id: 'A1001',
        vendor_id: 'V-A1001', digits: ['1', '2'], prep_time_minutes: 30, rejection_reason: null, answered_at: undefined, attempts: 1,
      },
    );
    assert.ok(Date.parse(delivered[0].body.answered_at));
    const update = h.jupiter.orderUpdates.find((u) => u.orderId === 'A1001');
    assert.deepEqual(update?.body, { status: 'VENDOR_ACCEPTED', prep_time_minutes: 30, call_id: callId });

    const row = (await db.pg.query('SELECT * FROM calls WHERE id = $1', [callId])).rows[0];
    assert.equal(row.outcome, 'ACCEPTED');
    assert.equal(row.status, 'COMPLETED');
    assert.equal(row.provider_call_id, callSid);
    assert.equal(row.digits, '1,2');
    assert.equal(row.prep_time_minutes, 30);
    const kinds = (await db.pg.query('SELECT kind FROM call_events WHERE call_id = $1 ORDER BY id', [callId])).rows.map((r) => r.kind);
    for (const kind of ['dialed', 'status', 'digits', 'outcome', 'order_updated']) assert.ok(kinds.includes(kind), `audit log has ${kind}: ${kinds}`);
    const outbox = (await db.pg.query("SELECT * FROM report_outbox WHERE call_id = $1 AND kind = 'result'", [callId])).rows[0];
    assert.equal(outbox.attempts, 2);
    assert.ok(outbox.delivered_at);
  });

  test('reject with a reason', async () => {
    const { order, callId, callSid } = await startVendorCall('R2001');
    await h.exotel.answer(callSid);
    const rejected = await h.exotel.press(callSid, '0');
    assert.equal(rejected.body.prompt, 'reason');
    const reason = await h.exotel.press(callSid, '3');
    assert.equal(reason.status, 302);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'REJECTED');
    assert.equal(result.rejectionReason, 'TOO_BUSY');
    const [report] = h.jupiter.reportsFor(order.order_id);
    assert.equal(report.body.status, 'REJECTED');
    assert.equal(report.body.rejection_reason, 'TOO_BUSY');
    assert.equal(h.jupiter.orderUpdates.find((u) => u.orderId === 'R2001')?.body.status, 'VENDOR_REJECTED');
  });

  test('no answer: redials with a durable gap, then reports NO_ANSWER', async () => {
    const order = vendorOrder('N3001');
    h.exotel.script = (form) => (form.From === order.vendor_phone ? { ring: 'no-answer' } : 'manual');
    try {
      const started = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
      const result = await h.result(started.body.call_id);
      assert.equal(result.outcome, 'NO_ANSWER');
      assert.equal(result.attempts, 3);
      assert.equal(h.exotel.connectFor(order.vendor_phone).length, 3, 'three dials, no more');
      const reports = h.jupiter.reportsFor(order.order_id);
      assert.equal(reports.length, 1);
      assert.equal(reports[0].body.status, 'NO_ANSWER');
      assert.equal(reports[0].body.attempts, 3);
    } finally {
      h.exotel.script = () => 'manual';
    }
  });

  test('an invalid key is reprompted; three misses end as NO_RESPONSE', async () => {
    const first = await startVendorCall('K4001');
    await h.exotel.answer(first.callSid);
    const wrong = await h.exotel.press(first.callSid, '7');
    assert.equal(wrong.status, 200);
    assert.equal(wrong.body.prompt, 'summary_retry');
    assert.match(wrong.prompt!, /\.wav$/);
    const right = await h.exotel.press(first.callSid, '1');
    assert.equal(right.body.prompt, 'prep_time');
    const typed = await h.exotel.press(first.callSid, '25#');
    assert.equal(typed.status, 302);
    const accepted = await h.result(first.callId);
    assert.equal(accepted.outcome, 'ACCEPTED');
    assert.equal(accepted.prepTimeMinutes, 25, 'typed minutes are accepted');

    const second = await startVendorCall('K4002');
    await h.exotel.answer(second.callSid);
    assert.equal((await h.exotel.press(second.callSid, '9')).body.prompt, 'summary_retry');
    assert.equal((await h.exotel.press(second.callSid, '')).body.prompt, 'summary_retry', 'no input counts as a miss');
    const last = await h.exotel.press(second.callSid, '5');
    assert.equal(last.status, 302);
    assert.equal(last.body.prompt, 'no_response');
    const result = await h.result(second.callId);
    assert.equal(result.outcome, 'NO_RESPONSE');
    assert.equal(h.jupiter.reportsFor('K4002')[0].body.status, 'NO_RESPONSE');
  });

  test('a repeated start request returns the same call and never dials twice', async () => {
    const order = vendorOrder('D5001');
    const first = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
    const second = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
    assert.equal(first.status, 202);
    assert.equal(second.status, 200);
    assert.equal(second.body.call_id, first.body.call_id);
    assert.equal(second.body.created, false);
    const connect = await h.exotel.waitForConnect(order.vendor_phone);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(h.exotel.connectFor(order.vendor_phone).length, 1);

    const state = await h.api('GET', `/api/nerve/calls/${first.body.call_id}`);
    assert.equal(state.status, 200);
    assert.equal(state.body.status, 'DIALING');
    assert.equal(state.body.currentCallSid, connect.callSid);
    // The live list is a set of call ids (no keyspace scan); an id whose presence row expired is dropped.
    const redis = new Redis(process.env.REDIS_URL!);
    await redis.sadd(ACTIVE_CALLS_KEY, 'vendor-order-confirmation-EXPIRED');
    const active = await h.api('GET', '/api/nerve/active-calls');
    assert.ok(active.body.calls.some((c: any) => c.call_id === first.body.call_id), 'the live call is listed');
    assert.ok(!active.body.calls.some((c: any) => c.call_id === 'vendor-order-confirmation-EXPIRED'));
    assert.equal(active.body.count, active.body.calls.length);
    const members = await redis.smembers(ACTIVE_CALLS_KEY);
    assert.ok(members.includes(first.body.call_id), 'the call is in the active set');
    assert.ok(!members.includes('vendor-order-confirmation-EXPIRED'), 'the expired member was removed');

    await h.exotel.answer(connect.callSid);
    await h.exotel.press(connect.callSid, '0');
    await h.exotel.press(connect.callSid, '1');
    await h.result(first.body.call_id);
    const third = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
    assert.equal(third.status, 200, 'a finished call is not redialled either');
    assert.equal(h.exotel.connectFor(order.vendor_phone).length, 1);
    const afterwards = await h.api('GET', '/api/nerve/active-calls');
    assert.ok(!afterwards.body.calls.some((c: any) => c.call_id === first.body.call_id), 'finished calls leave the live list');
    assert.ok(!(await redis.smembers(ACTIVE_CALLS_KEY)).includes(first.body.call_id), 'and the active set');
    redis.disconnect();
  });

  test('duplicate and out-of-order callbacks make one transition each', async () => {
    const { order, callId, callSid } = await startVendorCall('O6001');
    // Exotel retries: the terminal callback twice, then a stale "answered" after the end.
    for (let i = 0; i < 2; i++) assert.equal((await h.exotel.hangUp(callSid, 'busy')).status, 200);
    assert.equal((await h.exotel.sendStatus(callSid, { EventType: 'answered' })).status, 200);
    const redial = await h.exotel.waitForConnect(order.vendor_phone, 2);
    const state = (await h.api('GET', `/api/nerve/calls/${callId}`)).body;
    const firstAttempt = state.transitions.filter((t: any) => t.callSid === callSid);
    assert.deepEqual(firstAttempt.map((t: any) => [t.event, t.status]), [['terminal', 'busy']]);
    assert.equal(state.attempts, 2);

    // On the second attempt: a duplicate answered callback, and a Passthru retried by Exotel.
    await h.exotel.answer(redial.callSid);
    await h.exotel.sendStatus(redial.callSid, { EventType: 'answered' });
    const answered = (await h.api('GET', `/api/nerve/calls/${callId}`)).body.transitions.filter((t: any) => t.callSid === redial.callSid);
    assert.equal(answered.length, 1);
    // The byte-identical request twice at once (Exotel gave up waiting and retried), then again later.
    const accept = h.exotel.passthruUrl(redial.callSid, '1');
    const copies = [...(await Promise.all([h.exotel.sendPassthru(redial.callSid, accept), h.exotel.sendPassthru(redial.callSid, accept)]))];
    copies.push(await h.exotel.sendPassthru(redial.callSid, accept));
    for (const copy of copies) assert.deepEqual([copy.status, copy.body?.prompt], [200, 'prep_time'], 'every copy gets the first answer');
    assert.deepEqual((await h.api('GET', `/api/nerve/calls/${callId}`)).body.digits, ['1'], 'the retried keys are recorded once');
    await h.exotel.press(redial.callSid, '1');
    await h.exotel.hangUp(redial.callSid);
    await h.exotel.hangUp(redial.callSid);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    assert.equal(result.prepTimeMinutes, 15);
    assert.equal(h.jupiter.reportsFor(order.order_id).length, 1);
    // A callback after the workflow closed is acknowledged and ignored.
    const late = await h.exotel.hangUp(redial.callSid);
    assert.equal(late.status, 200);
    assert.equal(late.body.ignored, true);
  });
});

describe('bad input changes nothing', () => {
  test('a missing or wrong bearer token is 401', async () => {
    const order = vendorOrder('T7001');
    assert.equal((await h.api('POST', '/api/nerve/vendor-order-confirmation', order, null)).status, 401);
    const wrong = await h.api('POST', '/api/nerve/vendor-order-confirmation', order, 'not-the-token');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error, 'unauthorized');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(h.exotel.connectFor(order.vendor_phone).length, 0);
  });

  test('malformed bodies are 400 with a JSON error', async () => {
    const broken = await h.api('POST', '/api/nerve/vendor-order-confirmation', '{"order_id": ');
    assert.equal(broken.status, 400);
    assert.equal(broken.body.error, 'invalid_json');
    const badPhone = await h.api('POST', '/api/nerve/vendor-order-confirmation', vendorOrder('B8001', { vendor_phone: '98765' }));
    assert.equal(badPhone.status, 400);
    assert.equal(badPhone.body.error, 'invalid_request');
    assert.ok(badPhone.body.issues.some((i: any) => i.path === 'vendor_phone'));
    const noItems = await h.api('POST', '/api/nerve/rider-assignment', { order_id: 'B8002' });
    assert.equal(noItems.status, 400);
    const badId = await h.api('GET', '/api/nerve/calls/..%2Fetc');
    assert.equal(badId.status, 400);
    assert.equal((await h.api('GET', '/api/nerve/calls/vendor-order-confirmation-nope')).status, 404);
    for await (const wf of h.client.workflow.list({ query: "OrderId = 'B8001'" })) assert.fail(`a workflow was started: ${wf.workflowId}`);
  });

  test('Exotel webhooks: wrong secret 401, unknown CallSid 404, malformed 400', async () => {
    const base = `${h.gatewayUrl}/webhooks/exotel`;
    const post = (path: string, form: Record<string, string>) => fetch(`${base}/${path}`, { method: 'POST', body: new URLSearchParams(form) });
    assert.equal((await post('wrong-secret-xxxxx/status', { CallSid: 'x', Status: 'completed' })).status, 401);
    const unknown = await post('test-webhook-secret-123/status', { CallSid: 'deadbeef', Status: 'completed', EventType: 'terminal' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { error: string }).error, 'unknown_call');
    const noSid = await post('test-webhook-secret-123/status', { Status: 'completed' });
    assert.equal(noSid.status, 400);
    const badStatus = await post('test-webhook-secret-123/status', { CallSid: 'x', Status: 'exploded', CustomField: 'vendor-order-confirmation-X' });
    assert.equal(badStatus.status, 400);
    const badDigits = await fetch(`${base}/test-webhook-secret-123/passthru?CallSid=x&digits=%22abc%22`);
    assert.equal(badDigits.status, 400);
    const unknownPassthru = await fetch(`${base}/test-webhook-secret-123/passthru?CallSid=nope&digits=%221%22`);
    assert.equal(unknownPassthru.status, 404);
    const health = await h.api('GET', '/health', undefined, null);
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok', temporal: 'ok', database: 'ok', redis: 'ok' });
  });

  test("keys under another attempt's CallSid, or after the call ended, are 404 and change nothing", async () => {
    const { callId, callSid } = await startVendorCall('Q9001');
    // A CallSid that is not the current attempt's: the workflow refuses the input.
    const foreign = await fetch(`${h.gatewayUrl}/webhooks/exotel/test-webhook-secret-123/passthru?CallSid=other&digits=%221%22&CustomField=${callId}`);
    assert.equal(foreign.status, 404);
    await h.exotel.answer(callSid);
    await h.exotel.press(callSid, '1');
    await h.exotel.press(callSid, '1');
    await h.result(callId);
    const afterEnd = await h.exotel.press(callSid, '1');
    assert.equal(afterEnd.status, 404, 'the call is over');
    assert.deepEqual((await h.result(callId)).digits, ['1', '1'], 'the refused keys were not recorded');
  });
});

describe('crash recovery', () => {
  test('the calls worker dies after dialling; a new one finishes and Jupiter hears once', async () => {
    const { order, callId, callSid } = await startVendorCall('C1101');
    await h.exotel.answer(callSid);
    await h.killWorker('calls');
    // The keys wait in Temporal for a worker, up to the update deadline; then 503 Retry-After,
    // and Exotel's retry (the identical request) gets the answer once a worker is back.
    const keys = h.exotel.passthruUrl(callSid, '1');
    const whileDown = h.exotel.sendPassthru(callSid, keys);
    await h.startWorker('calls');
    let accepted = await whileDown;
    for (let i = 0; accepted.status === 503 && i < 20; i++) {
      assert.ok(accepted.retryAfter, 'a 503 says when to retry');
      accepted = await h.exotel.sendPassthru(callSid, keys);
    }
    assert.equal(accepted.body?.prompt, 'prep_time', JSON.stringify(accepted));
    await h.exotel.press(callSid, '3');
    await h.exotel.hangUp(callSid);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    assert.equal(result.prepTimeMinutes, 45);
    const reports = h.jupiter.reportsFor(order.order_id);
    assert.equal(reports.length, 1, 'exactly one report reached Jupiter');
    assert.equal(h.exotel.connectFor(order.vendor_phone).length, 1, 'and the vendor was dialled once');
  });
});

describe('rider assignment', () => {
  test('an accepted order with a rider starts the rider call, which reports on its own', async () => {
    const rider = { rider_id: 'RD-1', rider_phone: '+919900112233', rider_name: 'Ravi' };
    const { callId, callSid } = await startVendorCall('P1201', { rider });
    await h.exotel.answer(callSid);
    await h.exotel.press(callSid, '1');
    await h.exotel.press(callSid, '1');
    const vendorResult = await h.result(callId);
    assert.equal(vendorResult.riderCallId, 'rider-assignment-P1201');

    const riderDial = await h.exotel.waitForConnect(rider.rider_phone);
    assert.equal(riderDial.form.CustomField, 'rider-assignment-P1201');
    await h.exotel.answer(riderDial.callSid);
    const accepted = await h.exotel.press(riderDial.callSid, '1');
    assert.equal(accepted.status, 302);
    const riderResult = await h.result('rider-assignment-P1201');
    assert.equal(riderResult.outcome, 'ACCEPTED');
    const [report] = h.jupiter.reportsFor('P1201', 'rider-assignment');
    assert.equal(report.body.rider_id, 'RD-1');
    assert.equal(h.jupiter.orderUpdates.filter((u) => u.orderId === 'P1201').at(-1)?.body.status, 'RIDER_ASSIGNED');

    // Jupiter asking for the same rider call again gets the existing one.
    const again = await h.api('POST', '/api/nerve/rider-assignment', {
      order_id: 'P1201', ...rider, restaurant_name: 'Sharma Dhaba', restaurant_address: 'MG Road', pickup_time_minutes: 10, language: 'hi',
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.call_id, 'rider-assignment-P1201');
  });

  test('ops can find calls by order and outcome through search attributes', async () => {
    const found = [];
    for await (const wf of h.client.workflow.list({ query: "OrderId = 'R2001' AND Outcome = 'REJECTED'" })) found.push(wf.workflowId);
    assert.deepEqual(found, ['vendor-order-confirmation-R2001']);
  });
});
