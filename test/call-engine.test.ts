// The call engine under the faults found in review: lost callbacks, a database outage, long
// waits for the rider, and a worker dying while Jupiter is being told.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { callStateQuery, providerStatusSignal, submitDigitsUpdate } from '../workflows/messages';
import { eventually, startVendorCall as startHarnessVendorCall, useHarness } from './harness';

const { h, db } = useHarness();

const startVendorCall = (orderId: string, overrides: Record<string, unknown> = {}) => startHarnessVendorCall(h, orderId, overrides);

describe('the callee answered but the callback did not say so', () => {
  test('keys on the current attempt are taken at once: they prove the answer', async () => {
    const { callId, callSid } = await startVendorCall('K1001');
    await h.exotel.fetchPrompt(callSid); // the Greeting plays; Exotel's "answered" callback is lost
    const pressedAt = Date.now();
    const accepted = await h.exotel.press(callSid, '1');
    assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
    assert.equal(accepted.body.prompt, 'prep_time');
    assert.ok(Date.now() - pressedAt < 10_000, 'no wait for a callback that will not come (the ring timeout plus 30 s before the fix)');
    await h.exotel.press(callSid, '2');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    assert.ok(result.answeredAt, 'the answer time comes from the first key');
    const { rows } = await db.pg.query("SELECT kind FROM call_events WHERE call_id = $1 AND kind = 'answered_by_input'", [callId]);
    assert.equal(rows.length, 1);
  });
});

describe('a key and the hang-up in the same activation', () => {
  test('the key is refused, the call closes, and no update is left waiting forever', async () => {
    const { callId, callSid } = await startVendorCall('H1010');
    await h.exotel.answer(callSid);
    const handle = h.client.workflow.getHandle(callId);
    await eventually(async () => (await handle.query(callStateQuery)).awaitingInput || undefined, 15_000, 'the question');
    // With no worker, the hang-up and the key queue up and reach the workflow in one activation.
    await h.killWorker('calls');
    const key = handle.executeUpdate(submitDigitsUpdate, { args: [{ callSid, digits: '1' }], updateId: 'same-activation-key' }).then(
      (prompt) => ({ prompt }),
      (err: Error) => ({ refused: (err.cause as Error | undefined)?.message ?? err.message }),
    );
    await sleep(1000); // the server admits the key first
    await handle.signal(providerStatusSignal, { callSid, event: 'terminal', status: 'completed' });
    await h.startWorker('calls');
    const settled = await Promise.race([key, sleep(20_000).then(() => ({ pending: true }))]);
    assert.ok(!('pending' in settled), 'the key got an answer');
    const result = await Promise.race([h.result(callId), sleep(20_000).then(() => ({ pending: true }))]);
    assert.ok(!('pending' in result), 'the workflow closed');
    assert.equal((result as { outcome: string }).outcome, 'NO_RESPONSE');
  });
});

describe('PostgreSQL outage during a live call', () => {
  test('keys are still taken and answered; the journal catches up when the database is back', async () => {
    const { order, callId, callSid } = await startVendorCall('D2002');
    await h.exotel.answer(callSid);
    await eventually(async () => (await db.pg.query('SELECT 1 FROM calls WHERE id = $1', [callId])).rowCount === 1, 10_000, 'the first save');
    // Every save of the journal now fails, as it would with the database down.
    await db.pg.query('ALTER TABLE call_events RENAME TO call_events_offline');
    try {
      const accepted = await h.exotel.press(callSid, '1');
      assert.equal(accepted.status, 200);
      assert.equal(accepted.body.prompt, 'prep_time');
      const prep = await h.exotel.press(callSid, '3');
      assert.equal(prep.status, 302);
      await h.exotel.hangUp(callSid);
      await eventually(() => h.jupiter.reportsFor(order.order_id).length === 1, 15_000, 'the report to Jupiter');
      const { status } = await h.client.workflow.getHandle(callId).describe();
      assert.equal(status.name, 'RUNNING', 'the call waits for its journal, it does not drop it');
    } finally {
      await db.pg.query('ALTER TABLE call_events_offline RENAME TO call_events');
    }
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    const { rows } = await db.pg.query('SELECT kind, data FROM call_events WHERE call_id = $1 ORDER BY id', [callId]);
    const kinds = rows.map((r) => r.kind);
    assert.deepEqual(rows.filter((r) => r.kind === 'digits').map((r) => r.data.digits), ['1', '3'], 'both keys were journaled');
    assert.ok(kinds.includes('outcome'));
    const [row] = (await db.pg.query('SELECT status, outcome, ended_at FROM calls WHERE id = $1', [callId])).rows;
    assert.equal(row.status, 'COMPLETED');
    assert.equal(row.outcome, 'ACCEPTED');
  });
});

describe('the rider call waits on its own', () => {
  test('the vendor call ends when the vendor hangs up; the rider call is scheduled for pickup', async () => {
    const rider = { rider_id: 'RD-9', rider_phone: '+919900119999', rider_name: 'Imran' };
    const { callId, callSid } = await startVendorCall('W3003', { rider });
    await h.exotel.answer(callSid);
    await h.exotel.press(callSid, '1');
    await h.exotel.press(callSid, '90'); // 90 minutes; the harness calls riders 60 minutes before
    await h.exotel.hangUp(callSid);
    const vendor = await h.result(callId);
    assert.equal(vendor.riderCallId, 'rider-assignment-W3003');

    const riderCall = h.client.workflow.getHandle('rider-assignment-W3003');
    const described = await riderCall.describe();
    assert.equal(described.status.name, 'RUNNING');
    const state = await riderCall.query('callState');
    assert.equal((state as any).status, 'SCHEDULED');
    assert.equal(h.exotel.connectFor(rider.rider_phone).length, 0, 'not dialled before its time');

    // The vendor's record stays as it ended; nothing rewrites it while the rider call waits.
    await new Promise((r) => setTimeout(r, 1000));
    const [row] = (await db.pg.query('SELECT status, ended_at FROM calls WHERE id = $1', [callId])).rows;
    assert.equal(row.status, 'COMPLETED');
    assert.ok(row.ended_at, 'ended_at is set');
    const live = await h.api('GET', '/api/nerve/active-calls');
    assert.ok(!live.body.calls.some((c: any) => c.call_id === callId), 'the vendor call is not shown as live');
    await riderCall.terminate('test done');
  });
});

describe('a worker dies while Jupiter is being told', () => {
  test('the report is retried within seconds by the next worker, and Jupiter hears it once', async () => {
    const { order, callId, callSid } = await startVendorCall('J4004');
    await h.exotel.answer(callSid);
    await h.exotel.press(callSid, '2');
    h.jupiter.reportDelayMs = 60_000; // Jupiter holds the first report open
    try {
      await h.exotel.press(callSid, '1');
      await h.exotel.hangUp(callSid);
      await eventually(() => h.jupiter.pendingReports > 0, 15_000, 'the report in flight');
      await h.killWorker('calls');
      const killedAt = Date.now();
      h.jupiter.reportDelayMs = 0;
      await h.startWorker('calls');
      await eventually(() => h.jupiter.reportsFor(order.order_id).length === 1, 30_000, 'the retried report');
      const waited = Date.now() - killedAt;
      assert.ok(waited < 15_000, `retried ${waited} ms after the crash (was ~61 s)`);
    } finally {
      h.jupiter.reportDelayMs = 0;
    }
    const result = await h.result(callId);
    assert.equal(result.reportStatus, 'DELIVERED');
  });
});
