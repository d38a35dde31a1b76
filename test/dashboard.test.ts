// The ops dashboard in a real headless Chromium against the real parts: the login is required,
// a call appears, changes state and ends live (no reload), the history finds it, stats and
// health are shown, a voice call's transcript streams onto its page, and a call registered by an
// outside voice stack shows its lifecycle live (CREATED, ACTIVE, HANDED_OFF with its reason and
// agent page, ENDED) in the overview, on its own page, in the stats and the history. Screenshots
// go to test-artifacts/dashboard/.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { STREAM_PASSWORD, useHarness, vendorOrder } from './harness';
import { StreamCaller } from './fakes/stream-caller';
import { speak } from './speech';
import { launchChromium, screenshot } from './support/browser';
import { wallClock } from '../appointments/zoned-time';

/** How long to wait for the next thing to happen: generous, the test machines are shared. */
const PATIENCE_MS = 60_000;
const OPS = { username: 'ops', password: 'test-dashboard-password' };
// The deterministic context summary (no model), so the agent page's summary is known.
const { h } = useHarness({ env: { OPS_PASSWORD: OPS.password, TEMPORAL_UI_URL: 'http://temporal-ui.test:8233', CONTEXT_SUMMARY_EVERY_TURNS: '0' } });
const opsHeaders = { Authorization: 'Basic ' + Buffer.from(`${OPS.username}:${OPS.password}`).toString('base64') };

let browser: Browser;
let context: BrowserContext;
before(async () => {
  browser = await launchChromium();
  context = await browser.newContext({ httpCredentials: OPS, viewport: { width: 1366, height: 900 } });
  context.setDefaultTimeout(PATIENCE_MS);
});
after(async () => {
  await context?.close();
  await browser?.close();
});

const row = (page: Page, tbody: string, callId: string) => page.locator(`#${tbody} tr[data-call-id="${callId}"]`);

describe('dashboard', () => {
  test('without the ops login the page, its API and its stream are refused', async () => {
    const page = await fetch(`${h.gatewayUrl}/dashboard`);
    assert.equal(page.status, 401);
    assert.match(page.headers.get('www-authenticate') ?? '', /^Basic /);
    for (const route of ['/dashboard/stream', '/dashboard/api/calls', '/dashboard/api/active']) {
      const response = await fetch(`${h.gatewayUrl}${route}`);
      assert.equal(response.status, 401, route);
      assert.equal(((await response.json()) as { error: string }).error, 'unauthorized');
    }
    const jupiterToken = await h.api('GET', '/dashboard/api/calls'); // Jupiter's bearer token is not an ops login
    assert.equal(jupiterToken.status, 401);
    const wrong = await fetch(`${h.gatewayUrl}/dashboard`, { headers: { Authorization: 'Basic ' + Buffer.from('ops:guess').toString('base64') } });
    assert.equal(wrong.status, 401);

    // In the browser, too: without credentials to offer, Chromium gives up on the Basic challenge.
    const anonymous = await browser.newContext();
    await assert.rejects((await anonymous.newPage()).goto(`${h.gatewayUrl}/dashboard`), /ERR_INVALID_AUTH_CREDENTIALS/);
    await anonymous.close();
  });

  test('bad filters and stream positions get a JSON 400', async () => {
    const headers = { Authorization: 'Basic ' + Buffer.from(`${OPS.username}:${OPS.password}`).toString('base64') };
    for (const query of ['page=0', 'page_size=1000', 'from=yesterday', 'order=D1', 'page=x']) {
      const response = await fetch(`${h.gatewayUrl}/dashboard/api/calls?${query}`, { headers });
      assert.equal(response.status, 400, query);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request', query);
    }
    const stream = await fetch(`${h.gatewayUrl}/dashboard/stream?after=latest`, { headers });
    assert.equal(stream.status, 400);
    const unknown = await fetch(`${h.gatewayUrl}/dashboard/api/calls/vendor-order-confirmation-NOPE`, { headers });
    assert.equal(unknown.status, 404);
  });

  test('a vendor call appears, changes state and ends live; history, stats and health follow', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    const streamSockets: import('node:net').Socket[] = [];
    const gateway = (h as unknown as { gateway: import('node:http').Server }).gateway;
    // Express has routed the request by the time this runs: its full path is originalUrl.
    const streamRequests: { lastEventId?: string }[] = [];
    const onRequest = (req: import('node:http').IncomingMessage & { originalUrl?: string }) => {
      if (!req.originalUrl?.startsWith('/dashboard/stream')) return;
      streamSockets.push(req.socket);
      streamRequests.push({ lastEventId: req.headers['last-event-id'] as string | undefined });
    };
    gateway.on('request', onRequest);
    await page.goto(`${h.gatewayUrl}/dashboard`);
    await page.locator('#feed-status[data-state="live"]').waitFor();
    await page.evaluate(() => ((globalThis as any).loadedOnce = true)); // gone if the page reloads

    const order = vendorOrder('D1001');
    const started = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
    assert.equal(started.status, 202);
    const callId = started.body.call_id as string;
    const { callSid } = await h.exotel.waitForConnect(order.vendor_phone, 1, PATIENCE_MS);
    const live = row(page, 'active-calls', callId);
    await live.waitFor();
    await page.locator('#stats-today dd[data-stat="Calls"]', { hasText: /^1$/ }).waitFor(); // stats move when a call starts
    assert.equal(await live.locator('td').nth(1).textContent(), 'vendor-order-confirmation');
    assert.equal(await live.locator('td').nth(2).textContent(), 'exotel');
    assert.equal(await live.locator('td').nth(3).textContent(), 'outbound');
    const temporalLink = await live.locator('a[target="_blank"]').getAttribute('href');
    assert.equal(temporalLink, `http://temporal-ui.test:8233/namespaces/default/workflows/${callId}`);

    await h.exotel.answer(callSid);
    await page.locator(`#active-calls tr[data-call-id="${callId}"] td.state`, { hasText: 'IN_CALL' }).waitFor();
    await page.locator(`#active-calls tr[data-call-id="${callId}"] td.lifecycle .lifecycle-state`, { hasText: 'ACTIVE' }).waitFor(); // answered: our own call's lifecycle too
    assert.equal(await live.locator('td.source').textContent(), 'nerve');
    await screenshot(page, 'dashboard/1-call-in-progress');

    // The line to the browser drops; the call goes on meanwhile. The browser reconnects with
    // Last-Event-ID and gets what it missed: the end of the call is not lost.
    assert.equal(streamSockets.length, 1);
    for (const socket of streamSockets) socket.destroy();
    await h.exotel.press(callSid, '1');
    await h.exotel.press(callSid, '2');
    await h.exotel.hangUp(callSid);
    const ended = page.locator(`#ended-calls li[data-call-id="${callId}"]`);
    await ended.waitFor();
    assert.equal(await ended.locator('.outcome').textContent(), 'ACCEPTED');
    await live.waitFor({ state: 'detached' });
    assert.equal(await page.locator('#active-count').textContent(), '0');
    gateway.off('request', onRequest);
    assert.ok(streamRequests.length >= 2, `the stream was opened again: ${JSON.stringify(streamRequests)}`);
    assert.equal(streamRequests[0].lastEventId, undefined);
    assert.match(streamRequests[1].lastEventId ?? '', /^\d+-\d+$/, 'the reconnect resumed from the last event seen');

    // The stats arrive with the ended call (metric_updated): one ended call, accepted, no handoff.
    await page.locator('#stats-today dd[data-stat="Ended"]', { hasText: /^1$/ }).waitFor();
    assert.equal(await page.locator('#stats-today dd[data-stat="Success rate"]').textContent(), '100%');
    assert.equal(await page.locator('#stats-today dd[data-stat="Handoff rate"]').textContent(), '0%');
    assert.match((await page.locator('#stats-24h dd[data-stat="Outcomes"]').textContent()) ?? '', /ACCEPTED 1/);

    // Health: every part up, the workers seen as pollers on their task queues.
    await page.locator('#health li[data-ok]').first().waitFor();
    const checks = await page.locator('#health li').allTextContents();
    for (const name of ['temporal', 'postgresql', 'redis', 'speech host', 'calls worker', 'speech worker']) {
      assert.ok(checks.some((c) => c.startsWith(`${name}: up`)), `${name} is up: ${checks.join(' | ')}`);
    }

    // History: the filters find it, and a filter that does not match finds nothing.
    await page.fill('input[name="key"]', 'D1001');
    await page.selectOption('select[name="outcome"]', 'ACCEPTED');
    await page.click('#history-filter button[type="submit"]');
    await page.locator('#history-page', { hasText: '(1 calls)' }).waitFor();
    const found = row(page, 'history-calls', callId);
    assert.equal(await found.locator('td.outcome').textContent(), 'ACCEPTED');
    assert.equal(await found.locator('td').nth(3).textContent(), '+91*******001', 'the number is masked');
    await screenshot(page, 'dashboard/2-call-ended-history');
    await page.selectOption('select[name="outcome"]', 'REJECTED');
    await page.click('#history-filter button[type="submit"]');
    await page.locator('#history-page', { hasText: '(0 calls)' }).waitFor();
    const today = wallClock(new Date(), 'Asia/Kolkata').date; // DASHBOARD_TIME_ZONE's default
    await page.selectOption('select[name="outcome"]', '');
    await page.fill('input[name="from"]', today);
    await page.fill('input[name="to"]', today);
    await page.click('#history-filter button[type="submit"]');
    await page.locator('#history-page', { hasText: '(1 calls)' }).waitFor();

    assert.equal(await page.evaluate(() => (globalThis as any).loadedOnce), true, 'all of it without a reload');
    assert.ok(!(await page.content()).includes(order.vendor_phone.slice(1)), 'no full phone number on the page');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a voice call\'s page shows its transcript and who is speaking, live', async () => {
    const started = await h.api('POST', '/api/nerve/questionnaire', { call_key: 'DQ1', phone: '+919700000001', name: 'Meera', language: 'en', provider: 'exotel' });
    assert.equal(started.status, 202);
    const callId = started.body.call_id as string;
    const dial = await h.exotel.waitForCall(callId, PATIENCE_MS);

    // From the overview, through to the call's page with the keyboard.
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(err.message));
    await page.goto(`${h.gatewayUrl}/dashboard`);
    await page.locator(`#active-calls tr[data-call-id="${callId}"] a[href^="/dashboard/calls/"]`).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/dashboard/calls/${callId}`);
    await page.locator('#feed-status[data-state="live"]').waitFor();

    const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') });
    caller.start(dial.callSid, { callId });
    await caller.heardPrompt(PATIENCE_MS);
    await page.locator('#transcript li[data-speaker="bot"]').first().waitFor();
    await page.locator('dd[data-fact="Now"]', { hasText: /speaking|listening/ }).waitFor();

    const answers = ['Yes, I am.', 'Yes.', 'Yes, of course.'];
    for (const [i, answer] of answers.entries()) {
      if (i > 0) await caller.heardPrompt(PATIENCE_MS);
      h.speechHost.enqueueTranscript(answer, { language: 'en' });
      caller.speak(await speak(answer, 'en', 8000));
      caller.silence(900);
      await page.locator('#transcript li[data-speaker="caller"]', { hasText: answer }).waitFor();
    }
    await screenshot(page, 'dashboard/3-live-transcript');
    await caller.waitFor(() => caller.closed !== undefined, PATIENCE_MS, 'the goodbye');
    await page.locator('dd[data-fact="Outcome"]', { hasText: 'ELIGIBLE' }).waitFor();
    const lines = await page.locator('#transcript li[data-speaker="caller"]').allTextContents();
    assert.equal(lines.length, 3, 'each line once');
    const botLines = await page.locator('#transcript li[data-speaker="bot"]').evaluateAll((items) => items.map((li) => li.childNodes[1].textContent));
    assert.ok(botLines.length >= 4, 'questions and the result');
    assert.equal(new Set(botLines).size, botLines.length, `each prompt once (the greeting stored before the page opened, then handed to the line): ${botLines.join(' | ')}`);
    assert.equal(await page.locator('#temporal-link').getAttribute('href'), `http://temporal-ui.test:8233/namespaces/default/workflows/${callId}`);
    assert.equal((await h.result(callId)).outcome, 'ELIGIBLE');
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('a call registered through the lifecycle API shows its state live: CREATED, ACTIVE, HANDED_OFF with its reason and agent page, ENDED', async () => {
    const lifecycleApi = (path: string, body: unknown, key?: string) => fetch(`${h.gatewayUrl}/api/nerve/calls${path}`, {
      method: 'POST',
      headers: { Authorization: 'Bearer test-api-token', 'Content-Type': 'application/json', ...(key ? { 'Idempotency-Key': key } : {}) },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

    const overview = await context.newPage();
    const problems: string[] = [];
    overview.on('pageerror', (err) => problems.push(err.message));
    await overview.goto(`${h.gatewayUrl}/dashboard`);
    await overview.locator('#feed-status[data-state="live"]').waitFor();
    await overview.evaluate(() => ((globalThis as any).loadedOnce = true));

    const created = await lifecycleApi('', { source: 'livekit', call_type: 'support', metadata: { tenant: 'acme' } }, 'dash-lk-1');
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const callId = created.body.call_id as string;
    assert.equal(callId, 'call-dash-lk-1');
    const live = row(overview, 'active-calls', callId);
    await overview.locator(`#active-calls tr[data-call-id="${callId}"] td.lifecycle .lifecycle-state`, { hasText: 'CREATED' }).waitFor();
    assert.equal(await live.locator('td').nth(1).textContent(), 'support');
    assert.equal(await live.locator('td').nth(2).textContent(), 'external');
    assert.equal(await live.locator('td').nth(3).textContent(), '—', 'its own stack knows the direction');
    assert.equal(await live.locator('td.source').textContent(), 'livekit');

    // The agent page is only for calls that were handed off; ops reach it through their login.
    const early = await fetch(`${h.gatewayUrl}/dashboard/calls/${callId}/agent`, { headers: opsHeaders, redirect: 'manual' });
    assert.equal(early.status, 409);
    assert.equal(((await early.json()) as { error: string }).error, 'not_handed_off');
    assert.equal((await fetch(`${h.gatewayUrl}/dashboard/calls/call-nope/agent`, { headers: opsHeaders, redirect: 'manual' })).status, 404);
    assert.equal((await fetch(`${h.gatewayUrl}/dashboard/calls/${callId}/agent`, { redirect: 'manual' })).status, 401);

    assert.equal((await lifecycleApi(`/${callId}/start`, {}, 'start-1')).status, 200);
    await overview.locator(`#active-calls tr[data-call-id="${callId}"] td.lifecycle .lifecycle-state`, { hasText: 'ACTIVE' }).waitFor();
    assert.equal(await live.locator('td.state').textContent(), 'IN_CALL', 'the provider-level status beside it');
    assert.equal((await lifecycleApi(`/${callId}/turns`, { turn_id: 'dt-1', speaker: 'caller', text: 'Mera order do ghante se late hai', confidence: 0.9, language: 'hinglish' })).status, 200);

    // Its own page, open while the call goes on: the lifecycle so far and the transcript.
    const callPage = await context.newPage();
    callPage.on('pageerror', (err) => problems.push(err.message));
    await callPage.goto(`${h.gatewayUrl}/dashboard/calls/${callId}`);
    await callPage.locator('#feed-status[data-state="live"]').waitFor();
    await callPage.locator('#transcript li[data-speaker="caller"]', { hasText: 'Mera order do ghante se late hai' }).waitFor();
    await callPage.locator('#lifecycle-history li[data-to="ACTIVE"]').waitFor();
    assert.equal(await callPage.locator('dd[data-fact="Source"]').textContent(), 'livekit');
    assert.equal(await callPage.locator('dd[data-fact="Room"]').textContent(), 'nerve-dash-lk-1');
    assert.equal(await callPage.locator('#agent-link-line').isHidden(), true, 'no agent page before a handoff');

    const handoff = await lifecycleApi(`/${callId}/handoff/request`, { reason: 'caller_asked_for_human', requested_by: 'ops-desk' }, 'handoff-1');
    assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
    assert.equal(handoff.body.state, 'HANDED_OFF');
    await overview.locator(`#active-calls tr[data-call-id="${callId}"] td.lifecycle .lifecycle-state`, { hasText: 'HANDED_OFF' }).waitFor();
    assert.equal(await live.locator('td.lifecycle .handoff-reason').textContent(), 'handed off: caller_asked_for_human');
    const notice = overview.locator(`#handoffs li[data-call-id="${callId}"]`);
    await notice.waitFor();
    assert.equal(await notice.locator('.handoff-reason').textContent(), 'caller_asked_for_human');
    assert.match((await notice.textContent()) ?? '', /handed off by api:ops-desk/);
    await screenshot(overview, 'dashboard/4-registered-call-handed-off');

    // The link opens the agent's page (signed for this call) in a new tab, with the handoff and the context.
    const [agentTab] = await Promise.all([context.waitForEvent('page'), live.locator('a.agent-page').click()]);
    await agentTab.waitForLoadState();
    assert.match(agentTab.url(), new RegExp(`/agent/calls/${callId}\\?sig=`));
    assert.equal(await agentTab.textContent('#state'), 'HANDED_OFF');
    assert.match((await agentTab.textContent('#handoff')) ?? '', /caller_asked_for_human \(by ops-desk\)/);
    assert.match((await agentTab.textContent('#summary')) ?? '', /Mera order do ghante se late hai/);
    await agentTab.close();

    // The call page follows: the handoff in the lifecycle, its facts, the agent's words as they come.
    await callPage.locator('#lifecycle-history li[data-to="HANDED_OFF"]', { hasText: 'caller_asked_for_human' }).waitFor();
    await callPage.locator('dd[data-fact="Lifecycle"]', { hasText: 'HANDED_OFF' }).waitFor();
    assert.match((await callPage.locator('dd[data-fact="Handoff"]').textContent()) ?? '', /^caller_asked_for_human \(/);
    assert.equal(await callPage.locator('#agent-link-line').isHidden(), false);
    assert.equal((await lifecycleApi(`/${callId}/turns`, { turn_id: 'dt-2', speaker: 'agent', text: 'Priya here, let me check your order.', confidence: 1, language: 'en' })).status, 200);
    await callPage.locator('#transcript li[data-speaker="agent"]', { hasText: 'Priya here' }).waitFor();

    const disposition = await lifecycleApi(`/${callId}/disposition`, { outcome: 'resolved', agent_id: 'priya' }, 'disp-1');
    assert.equal(disposition.status, 200, JSON.stringify(disposition.body));
    const ended = overview.locator(`#ended-calls li[data-call-id="${callId}"]`);
    await ended.waitFor();
    assert.equal(await ended.getAttribute('data-lifecycle'), 'ENDED');
    assert.equal(await ended.locator('.outcome').textContent(), 'HANDED_OFF', 'a registered call ends as Jupiter hears it');
    await live.waitFor({ state: 'detached' });
    await callPage.locator('dd[data-fact="Lifecycle"]', { hasText: 'ENDED' }).waitFor();
    await callPage.locator('#lifecycle-history li[data-to="ENDED"]', { hasText: 'agent:priya' }).waitFor();
    assert.deepEqual(await callPage.locator('#lifecycle-history li').evaluateAll((items) => items.map((li) => li.getAttribute('data-to'))), ['ACTIVE', 'HANDED_OFF', 'ENDED'], 'each transition once');
    assert.equal(await callPage.locator('#transcript li').count(), 2, 'each line once');
    await screenshot(callPage, 'dashboard/5-registered-call-page');

    // Stats: the handoff counts toward the handoff rate (it has no ESCALATED outcome).
    await overview.locator('#stats-today dd[data-stat="Handed off"]', { hasText: /^1$/ }).waitFor();
    const stats = (await (await fetch(`${h.gatewayUrl}/dashboard/api/stats`, { headers: opsHeaders })).json()) as any;
    assert.equal(stats.today.handed_off, 1);
    assert.equal(stats.today.handoff_rate, Math.round((1 / stats.today.ended) * 1000) / 1000);
    assert.equal(stats.today.outcomes.HANDED_OFF, 1);
    assert.equal(await overview.locator('#stats-today dd[data-stat="Handoff rate"]').textContent(), `${Math.round(stats.today.handoff_rate * 1000) / 10}%`);

    // History: by lifecycle state, by having been handed off, by source.
    await overview.selectOption('select[name="state"]', 'ENDED');
    await overview.check('input[name="handed_off"]');
    await overview.fill('input[name="source"]', 'livekit');
    await overview.click('#history-filter button[type="submit"]');
    await overview.locator('#history-page', { hasText: '(1 calls)' }).waitFor();
    const found = row(overview, 'history-calls', callId);
    assert.equal(await found.locator('td.lifecycle .lifecycle-state').textContent(), 'ENDED');
    assert.equal(await found.locator('td.lifecycle .handoff-reason').textContent(), 'handed off: caller_asked_for_human');
    assert.equal(await found.locator('td.source').textContent(), 'livekit');
    assert.equal(await found.locator('td.outcome').textContent(), 'HANDED_OFF');
    await overview.selectOption('select[name="state"]', 'ACTIVE');
    await overview.click('#history-filter button[type="submit"]');
    await overview.locator('#history-page', { hasText: '(0 calls)' }).waitFor();
    await overview.selectOption('select[name="state"]', '');
    await overview.uncheck('input[name="handed_off"]');
    await overview.fill('input[name="source"]', 'nerve');
    await overview.click('#history-filter button[type="submit"]');
    await overview.locator('#history-page', { hasText: '(2 calls)' }).waitFor(); // the vendor and questionnaire calls above
    await screenshot(overview, 'dashboard/6-history-by-lifecycle');

    assert.equal(await overview.evaluate(() => (globalThis as any).loadedOnce), true, 'all of it without a reload');
    assert.deepEqual(problems, []);
    await callPage.close();
    await overview.close();
  });
});
