// The call lifecycle end to end: a call registered by an outside voice stack driven entirely
// through the API, every invariant one at a time (409 naming the state), duplicates, concurrent
// handoffs, context (deterministic and from the model), the handoff rules, the agent desk's
// signed webhook and page, the disposition, our own bots' calls, and the analytics.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { eventually, startVendorCall } from './harness';
import { useHandoffHarness } from './support/handoff-harness';

const DESK_SECRET = 'test-agent-desk-secret-0123';
const env: Record<string, string> = { CONTEXT_SUMMARY_EVERY_TURNS: '3', HANDOFF_MISUNDERSTANDING_LIMIT: '2' };
const { h, db, desk } = useHandoffHarness(env, DESK_SECRET);

const register = async (body: Record<string, unknown> = { source: 'livekit', call_type: 'support' }, key?: string) => {
  const response = await fetch(`${h.gatewayUrl}/api/nerve/calls`, {
    method: 'POST',
    headers: { Authorization: 'Bearer test-api-token', 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
};
const post = (callId: string, path: string, body: unknown = {}, key?: string) =>
  fetch(`${h.gatewayUrl}/api/nerve/calls/${callId}${path}`, {
    method: 'POST',
    headers: { Authorization: 'Bearer test-api-token', 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
    body: JSON.stringify(body),
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));
const turn = (speaker: string, text: string, extra: Record<string, unknown> = {}) => ({ speaker, text, confidence: 0.9, language: 'hinglish', ...extra });
const started = async () => {
  const { body } = await register();
  const start = await post(body.call_id, '/start');
  assert.equal(start.status, 200, JSON.stringify(start.body));
  return body.call_id as string;
};

describe('a call registered by an outside voice stack, driven entirely through the API', () => {
  test('register, start, turns, events, context, end: stored in order, audited, reported once', async () => {
    const created = await register({ source: 'livekit', call_type: 'support', metadata: { tenant: 'acme' } }, 'lk-room-1');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.call_id, 'call-lk-room-1');
    assert.equal(created.body.room_name, 'nerve-lk-room-1');
    assert.equal(created.body.state, 'CREATED');
    const again = await register({ source: 'livekit', call_type: 'support', metadata: { tenant: 'acme' } }, 'lk-room-1');
    assert.equal(again.status, 200);
    assert.equal(again.body.call_id, 'call-lk-room-1');
    const callId = created.body.call_id;

    const start = await post(callId, '/start', {}, 'start-1');
    assert.equal(start.status, 200);
    assert.equal(start.body.state, 'ACTIVE');

    const first = await post(callId, '/turns', turn('bot', 'Namaste, how can I help?', { turn_id: 't-1' }));
    const second = await post(callId, '/turns', turn('caller', 'Mera order late hai', { turn_id: 't-2', started_at: '2026-11-21T10:00:00Z' }));
    assert.deepEqual([first.status, first.body, second.body], [200, { turn_id: 't-1', seq: 1 }, { turn_id: 't-2', seq: 2 }]);
    const repeat = await post(callId, '/turns', turn('caller', 'something else', { turn_id: 't-1' }));
    assert.deepEqual(repeat.body, { turn_id: 't-1', seq: 1 }, 'a repeated turn id is answered with the first receipt');

    const entity = await post(callId, '/events', { event_id: 'e-1', type: 'entity_captured', data: { name: 'order_id', value: 'ORD-77' } });
    assert.deepEqual(entity.body, { event_id: 'e-1', seq: 1 });
    assert.deepEqual((await post(callId, '/events', { event_id: 'e-1', type: 'sentiment', data: {} })).body, { event_id: 'e-1', seq: 1 });
    await post(callId, '/events', { type: 'intent_detected', data: { intent: 'order_status' } });

    const context = await h.api('GET', `/api/nerve/calls/${callId}/context`);
    assert.equal(context.status, 200);
    assert.equal(context.body.state, 'ACTIVE');
    assert.equal(context.body.source, 'fallback');
    assert.deepEqual(context.body.entities, { order_id: 'ORD-77' });
    assert.match(context.body.summary, /support call, 2 turns so far\. Known: order_id = ORD-77\. Caller last said: "Mera order late hai"/);
    assert.deepEqual(context.body.lastTurns.map((t: any) => t.turnId), ['t-1', 't-2']);

    const read = await h.api('GET', `/api/nerve/calls/${callId}`);
    assert.equal(read.status, 200);
    assert.equal(read.body.lifecycle.state, 'ACTIVE');

    const end = await post(callId, '/end', { reason: 'caller_hung_up' }, 'end-1');
    assert.equal(end.status, 200, JSON.stringify(end.body));
    assert.equal(end.body.state, 'ENDED');
    assert.equal(end.body.endReason, 'caller_hung_up');
    const final = await h.result(callId);
    assert.equal(final.state, 'ENDED');

    const reports = h.jupiter.reports.filter((r) => r.body.call_id === callId);
    assert.equal(reports.length, 1);
    assert.equal(reports[0].body.status, 'ENDED');
    assert.equal(reports[0].body.end_reason, 'caller_hung_up');
    assert.deepEqual(reports[0].body.metadata, { tenant: 'acme' });

    const turns = await db.pg.query('SELECT seq, speaker, text, dedupe_key FROM call_transcripts WHERE call_id = $1 ORDER BY seq', [callId]);
    assert.deepEqual(turns.rows.map((r) => [r.seq, r.speaker, r.dedupe_key]), [[1, 'bot', 'turn:t-1'], [2, 'caller', 'turn:t-2']]);
    const events = await db.pg.query('SELECT seq, type, event_id FROM call_semantic_events WHERE call_id = $1 ORDER BY seq', [callId]);
    assert.deepEqual(events.rows.map((r) => [r.seq, r.type]), [[1, 'entity_captured'], [2, 'intent_detected']]);
    const audit = await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'lifecycle' ORDER BY id", [callId]);
    assert.deepEqual(audit.rows.map((r) => [r.data.from, r.data.to, r.data.actor]), [['CREATED', 'ACTIVE', 'api'], ['ACTIVE', 'ENDED', 'api']]);
    const [row] = (await db.pg.query('SELECT lifecycle, source, room_name, end_reason, call_type, status FROM calls WHERE id = $1', [callId])).rows;
    assert.deepEqual(row, { lifecycle: 'ENDED', source: 'livekit', room_name: 'nerve-lk-room-1', end_reason: 'caller_hung_up', call_type: 'support', status: 'COMPLETED' });

    // Repeats after the call closed still get their first answers.
    const endAgain = await post(callId, '/end', { reason: 'again' }, 'end-1');
    assert.equal(endAgain.status, 200);
    assert.equal(endAgain.body.endReason, 'caller_hung_up');
    assert.deepEqual((await post(callId, '/turns', turn('caller', 'x', { turn_id: 't-2' }))).body, { turn_id: 't-2', seq: 2 });
  });

  test('the model writes the summary every few turns when an LLM is configured', async () => {
    const callId = await started();
    h.speechHost.enqueueReply({ summary: 'Caller wants a refund for order ORD-9; bot is checking.', entities: { order_id: 'ORD-9', intent: 'refund' } });
    for (const [i, text] of ['Hello', 'I want a refund', 'order ORD-9'].entries()) await post(callId, '/turns', turn(i % 2 ? 'caller' : 'bot', text));
    const context = await eventually(async () => {
      const { body } = await h.api('GET', `/api/nerve/calls/${callId}/context`);
      return body.source === 'model' ? body : undefined;
    }, 15_000, 'the model summary');
    assert.equal(context.summary, 'Caller wants a refund for order ORD-9; bot is checking.');
    assert.deepEqual(context.entities, { order_id: 'ORD-9', intent: 'refund' });
    await post(callId, '/end', { reason: 'done' });
  });
});

describe('invariants, one at a time', () => {
  test('a turn or event for an unknown call is 404 and creates nothing', async () => {
    const missing = await post('call-no-such-call', '/turns', turn('caller', 'hello'));
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error, 'unknown_call');
    assert.equal((await post('call-no-such-call', '/events', { type: 'sentiment', data: {} })).status, 404);
    assert.equal((await post('not a call', '/end', { reason: 'x' })).status, 400);
    assert.equal((await db.pg.query("SELECT 1 FROM calls WHERE id = 'call-no-such-call'")).rowCount, 0);
  });

  test('out of order: turns before start, handoff before start, disposition without a handoff', async () => {
    const { body } = await register();
    const callId = body.call_id;
    const early = await post(callId, '/turns', turn('caller', 'hello'));
    assert.equal(early.status, 409);
    assert.equal(early.body.error, 'lifecycle_conflict');
    assert.equal(early.body.state, 'CREATED');
    assert.match(early.body.message, /is CREATED/);
    assert.equal((await post(callId, '/handoff/request', { reason: 'x', requested_by: 'ops' })).body.state, 'CREATED');
    await post(callId, '/start');
    const startAgain = await post(callId, '/start');
    assert.equal(startAgain.status, 409);
    assert.equal(startAgain.body.state, 'ACTIVE');
    const disposition = await post(callId, '/disposition', { outcome: 'resolved' });
    assert.equal(disposition.status, 409);
    assert.equal(disposition.body.state, 'ACTIVE');
    await post(callId, '/end', { reason: 'done' });
  });

  test('end twice: the second is refused (409 ENDED) unless it repeats the first request; start after end is refused', async () => {
    const callId = await started();
    const first = await post(callId, '/end', { reason: 'resolved' }, 'end-a');
    assert.equal(first.status, 200);
    const same = await post(callId, '/end', { reason: 'resolved' }, 'end-a');
    assert.equal(same.status, 200);
    assert.deepEqual(same.body, first.body);
    const second = await post(callId, '/end', { reason: 'again' }, 'end-b');
    assert.equal(second.status, 409);
    assert.equal(second.body.state, 'ENDED');
    const start = await post(callId, '/start');
    assert.equal(start.status, 409);
    assert.equal(start.body.state, 'ENDED');
    for (const [path, body] of [['/turns', turn('caller', 'hello?')], ['/events', { type: 'sentiment', data: {} }], ['/handoff/request', { reason: 'x', requested_by: 'ops' }]] as const) {
      const write = await post(callId, path, body);
      assert.equal(write.status, 409, path);
      assert.equal(write.body.state, 'ENDED', path);
    }
    await h.result(callId);
    const late = await post(callId, '/turns', turn('caller', 'hello?'));
    assert.equal(late.status, 409, 'a closed call stays read-only');
    assert.equal(late.body.state, 'ENDED');
    const audit = await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'lifecycle'", [callId]);
    assert.equal(audit.rows.filter((r) => r.data.to === 'ENDED').length, 1, 'ended once');
  });

  test('handoff twice: in sequence the second is refused, concurrently exactly one wins', async () => {
    const callId = await started();
    const first = await post(callId, '/handoff/request', { reason: 'billing dispute', requested_by: 'bot' });
    assert.equal(first.status, 200);
    assert.equal(first.body.state, 'HANDED_OFF');
    const second = await post(callId, '/handoff/request', { reason: 'again', requested_by: 'ops' });
    assert.equal(second.status, 409);
    assert.equal(second.body.state, 'HANDED_OFF');

    const racing = await started();
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((who) => post(racing, '/handoff/request', { reason: `reason ${who}`, requested_by: who })));
    assert.deepEqual(results.map((r) => r.status).sort(), [200, 409, 409, 409]);
    const view = (await h.api('GET', `/api/nerve/calls/${racing}`)).body.lifecycle;
    assert.equal(view.history.filter((t: any) => t.to === 'HANDED_OFF').length, 1);
    const winner = results.find((r) => r.status === 200)!;
    assert.equal(view.handoff.reason, winner.body.handoff.reason);
    for (const id of [callId, racing]) await post(id, '/end', { reason: 'done' });
  });

  test('bad input is a 400 that changes nothing', async () => {
    const callId = await started();
    for (const [path, body] of [
      ['/turns', { speaker: 'caller', text: 'hi', confidence: 2, language: 'en' }],
      ['/turns', { speaker: 'robot', text: 'hi', confidence: 0.5, language: 'en' }],
      ['/events', { type: 'Not Snake', data: {} }],
      ['/end', {}],
      ['/handoff/request', { reason: '' }],
    ] as const) {
      const response = await post(callId, path, body);
      assert.equal(response.status, 400, `${path} ${JSON.stringify(body)}`);
      assert.equal(response.body.error, 'invalid_request');
    }
    assert.equal((await register({ call_type: 'support' })).status, 400);
    assert.equal((await h.api('GET', `/api/nerve/calls/${callId}`)).body.lifecycle.state, 'ACTIVE');
    assert.equal((await h.api('POST', `/api/nerve/calls/${callId}/end`, { reason: 'x' }, null)).status, 401);
    await post(callId, '/end', { reason: 'done' });
  });
});

describe('warm handoff of a registered call', () => {
  test('the caller asking for a person hands off; the desk gets the signed context once; the disposition ends the call and Jupiter hears once', async () => {
    const callId = await started();
    await post(callId, '/events', { type: 'entity_captured', data: { name: 'city', value: 'Pune' } });
    await post(callId, '/turns', turn('bot', 'Aapka budget kya hai?'));
    const ask = await post(callId, '/turns', turn('caller', 'kisi insaan se baat karao please'));
    assert.equal(ask.status, 200);
    const view = await eventually(async () => {
      const { body } = await h.api('GET', `/api/nerve/calls/${callId}`);
      return body.lifecycle.state === 'HANDED_OFF' ? body.lifecycle : undefined;
    }, 10_000, 'the handoff');
    assert.equal(view.handoff.reason, 'caller_asked_for_person');
    assert.equal(view.handoff.requestedBy, 'rules');

    const [delivery] = await eventually(() => (desk.deliveriesFor(callId).length ? desk.deliveriesFor(callId) : undefined), 15_000, 'the desk webhook');
    assert.equal(delivery.validSignature, true);
    assert.equal(delivery.idempotencyKey, `${callId}/handoff`);
    assert.equal(delivery.body.reason, 'caller_asked_for_person');
    assert.deepEqual(delivery.body.entities, { city: 'Pune' });
    assert.match(delivery.body.summary, /Caller last said: "kisi insaan se baat karao please"/);
    assert.equal(delivery.body.last_turns.length, 2);

    // The agent page: the link from the webhook opens it; a forged one does not.
    const pageUrl = new URL(delivery.body.agent_page);
    assert.equal(pageUrl.pathname, `/agent/calls/${callId}`);
    const page = await fetch(`${h.gatewayUrl}${pageUrl.pathname}${pageUrl.search}`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /kisi insaan se baat karao please/);
    assert.match(html, /Pune/);
    assert.equal((await fetch(`${h.gatewayUrl}${pageUrl.pathname}?sig=forged`)).status, 403);

    const turnAfter = await post(callId, '/turns', turn('agent', 'Hello, this is Priya from support'));
    assert.equal(turnAfter.status, 200, 'the human leg is still part of the call');
    const disposition = await post(callId, '/disposition', { outcome: 'resolved', notes: 'refund issued', agent_id: 'priya' }, 'disp-1');
    assert.equal(disposition.status, 200, JSON.stringify(disposition.body));
    assert.equal(disposition.body.state, 'ENDED');
    await h.result(callId);
    const reports = h.jupiter.reports.filter((r) => r.body.call_id === callId);
    assert.equal(reports.length, 1);
    assert.equal(reports[0].body.status, 'HANDED_OFF');
    assert.equal(reports[0].body.handoff_reason, 'caller_asked_for_person');
    assert.deepEqual(reports[0].body.disposition, { outcome: 'resolved', notes: 'refund issued', agentId: 'priya' });
    assert.equal(desk.deliveriesFor(callId).length, 1, 'the context reached the desk once');
    const audit = await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'lifecycle' ORDER BY id", [callId]);
    assert.deepEqual(audit.rows.map((r) => [r.data.to, r.data.actor]), [['ACTIVE', 'api'], ['HANDED_OFF', 'rules'], ['ENDED', 'agent:priya']]);
  });

  test('repeated misunderstanding and escalation events hand off; so does an operator signal', async () => {
    const misunderstood = await started();
    await post(misunderstood, '/events', { type: 'misunderstanding', data: {} });
    await post(misunderstood, '/events', { type: 'misunderstanding', data: {} });
    const escalated = await started();
    await post(escalated, '/events', { type: 'escalation_requested', data: { by: 'caller' } });
    const operated = await started();
    const { handoffSignal } = await import('../workflows/messages');
    await h.client.workflow.getHandle(operated).signal(handoffSignal, { actor: 'operator:ui', reason: 'supervisor listening in', requestedBy: 'operator' });
    for (const [callId, reason] of [[misunderstood, 'repeated_misunderstanding'], [escalated, 'escalation_event'], [operated, 'supervisor listening in']]) {
      const view = await eventually(async () => {
        const { body } = await h.api('GET', `/api/nerve/calls/${callId}`);
        return body.lifecycle.state === 'HANDED_OFF' ? body.lifecycle : undefined;
      }, 10_000, `handoff of ${callId}`);
      assert.equal(view.handoff.reason, reason);
      await post(callId, '/end', { reason: 'done' });
    }
  });

  test('the desk gets the context once even when the calls worker dies right after the handoff decision', async () => {
    const callId = await started();
    desk.failNext = 1; // the first delivery attempt fails: the retry happens on the restarted worker
    const handoff = await post(callId, '/handoff/request', { reason: 'angry caller', requested_by: 'bot' });
    assert.equal(handoff.status, 200);
    await h.killWorker('calls');
    await sleep(500);
    await h.startWorker('calls');
    // A killed attempt is noticed by its heartbeat timeout and the sticky task queue's fallback: allow for a slow machine.
    await eventually(() => desk.deliveriesFor(callId).length > 0, 90_000, 'the desk webhook after the restart');
    await post(callId, '/disposition', { outcome: 'callback_scheduled' });
    await h.result(callId);
    assert.equal(desk.deliveriesFor(callId).length, 1);
  });
});

describe('our own bots keep the same lifecycle', () => {
  test('a vendor call goes CREATED → ACTIVE → ENDED by the orchestrator; the API may not start or end it but may add events', async () => {
    const { callId, callSid, order } = await startVendorCall(h, 'LC1001');
    await h.exotel.answer(callSid);
    await eventually(async () => (await h.api('GET', `/api/nerve/calls/${callId}`)).body.lifecycle?.state === 'ACTIVE', 15_000, 'ACTIVE');
    const start = await post(callId, '/start');
    assert.equal(start.status, 409);
    assert.match(start.body.message, /orchestrator itself/);
    const end = await post(callId, '/end', { reason: 'x' });
    assert.equal(end.status, 409);
    const handoff = await post(callId, '/handoff/request', { reason: 'x', requested_by: 'ops' });
    // Keypad calls reach a person only where HANDOFF_AGENT is set (test/handoff-ivr.test.ts); here it is not.
    assert.equal(handoff.status, 409, 'no handoff path without HANDOFF_AGENT');
    assert.match(handoff.body.message, /has no handoff path/);
    assert.equal((await post(callId, '/events', { type: 'sentiment', data: { score: 0.2 } })).status, 200);
    await h.exotel.press(callSid, '1');
    await h.exotel.press(callSid, '2');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ACCEPTED');
    const read = await h.api('GET', `/api/nerve/calls/${callId}`);
    assert.equal(read.body.outcome, 'ACCEPTED', 'the call state is still there');
    assert.deepEqual(read.body.lifecycle.history.map((t: any) => t.to), ['ACTIVE', 'ENDED']);
    assert.equal(read.body.lifecycle.endReason, 'ACCEPTED');
    assert.equal(h.jupiter.reportsFor(order.order_id).length, 1);
    const [row] = (await db.pg.query('SELECT lifecycle, source FROM calls WHERE id = $1', [callId])).rows;
    assert.deepEqual(row, { lifecycle: 'ENDED', source: 'nerve' });
  });
});

describe('analytics', () => {
  test('calls by type and outcome, handoff rate and reasons, duration, per day and hour', async () => {
    const response = await h.api('GET', '/api/nerve/analytics');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const a = response.body;
    assert.ok(a.calls >= 10);
    const support = a.by_type_and_outcome.filter((r: any) => r.call_type === 'support');
    assert.ok(support.some((r: any) => r.outcome === 'ENDED'));
    assert.ok(a.by_type_and_outcome.some((r: any) => r.call_type === 'vendor-order-confirmation' && r.outcome === 'ACCEPTED'));
    assert.ok(a.handoff.calls >= 6);
    assert.equal(a.handoff.rate, a.handoff.calls / a.calls);
    assert.ok(a.handoff.reasons.some((r: any) => r.reason === 'caller_asked_for_person' && r.calls === 1));
    assert.equal(typeof a.average_duration_seconds, 'number');
    assert.equal(a.per_day.reduce((n: number, d: any) => n + d.calls, 0), a.calls);
    assert.equal(a.per_hour.reduce((n: number, d: any) => n + d.calls, 0), a.calls);
    const support_only = await h.api('GET', '/api/nerve/analytics?call_type=support');
    assert.ok(support_only.body.calls < a.calls);
    assert.equal((await h.api('GET', '/api/nerve/analytics?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z')).status, 400);
  });
});


