// End-to-end call tests: real Temporal, PostgreSQL and Redis; fake Exotel and Jupiter.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client as Pg } from 'pg';
import { eventually, Harness, vendorOrder } from './harness';

const h = new Harness();
let pg: Pg;

before(async () => {
  await h.start();
  pg = new Pg({ connectionString: process.env.DATABASE_URL });
  await pg.connect();
}, { timeout: 180_000 });

after(async () => {
  await pg?.end();
  await h.stop();
});

async function startVendorCall(orderId: string, overrides: Record<string, unknown> = {}) {
  const order = vendorOrder(orderId, overrides);
  const started = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  const connect = await h.exotel.waitForConnect(order.vendor_phone);
  return { order, callId: started.body.call_id as string, callSid: connect.callSid, connect };
}

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
        call_id: callId, call_sid: callSid, call_type: 'vendor-order-confirmation', status: 'ACCEPTED', order_id: 'A1001',
        vendor_id: 'V-A1001', digits: ['1', '2'], prep_time_minutes: 30, rejection_reason: null, answered_at: undefined, attempts: 1,
      },
    );
    assert.ok(Date.parse(delivered[0].body.answered_at));
    const update = h.jupiter.orderUpdates.find((u) => u.orderId === 'A1001');
    assert.deepEqual(update?.body, { status: 'VENDOR_ACCEPTED', prep_time_minutes: 30, call_id: callId });

    const row = (await pg.query('SELECT * FROM calls WHERE id = $1', [callId])).rows[0];
    assert.equal(row.outcome, 'ACCEPTED');
    assert.equal(row.status, 'COMPLETED');
    assert.equal(row.provider_call_id, callSid);
    assert.equal(row.digits, '1,2');
    assert.equal(row.prep_time_minutes, 30);
    const kinds = (await pg.query('SELECT kind FROM call_events WHERE call_id = $1 ORDER BY id', [callId])).rows.map((r) => r.kind);
    for (const kind of ['dialed', 'status', 'digits', 'outcome', 'order_updated']) assert.ok(kinds.includes(kind), `audit log has ${kind}: ${kinds}`);
    const outbox = (await pg.query("SELECT * FROM report_outbox WHERE call_id = $1 AND kind = 'result'", [callId])).rows[0];
    assert.equal(outbox.attempts, 2);
    assert.ok(outbox.delivered_at);
  });
});
