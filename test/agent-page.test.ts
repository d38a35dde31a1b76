// The agent page in a real browser (headless Chromium): a handed-off call's summary, entities and
// transcript, and the transcript growing while the page is open (it polls its context).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { agentPageUrl } from '../lib/agent-page-link';
import { loadConfig } from '../lib/config';
import { eventually, useHarness } from './harness';

const { h } = useHarness();
let browser: Browser;
before(async () => {
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
});
after(() => browser?.close());

const post = (callId: string, path: string, body: unknown) => h.api('POST', `/api/nerve/calls/${callId}${path}`, body);

test('the agent sees the summary, the entities and the live transcript of a handed-off call', async () => {
  const { body } = await h.api('POST', '/api/nerve/calls', { source: 'livekit', call_type: 'support' });
  const callId = body.call_id;
  await post(callId, '/start', {});
  await post(callId, '/events', { type: 'entity_captured', data: { name: 'order_id', value: 'ORD-4242' } });
  await post(callId, '/turns', { speaker: 'caller', text: 'My order never arrived', confidence: 0.9, language: 'en' });
  const handoff = await post(callId, '/handoff/request', { reason: 'missing order', requested_by: 'bot' });
  assert.equal(handoff.status, 200);

  const page = await browser.newPage();
  try {
    await page.goto(agentPageUrl(loadConfig(), callId));
    assert.equal(await page.textContent('#state'), 'HANDED_OFF');
    assert.match((await page.textContent('#summary')) ?? '', /Caller last said: "My order never arrived"/);
    assert.match((await page.textContent('#entities')) ?? '', /order_id\s*ORD-4242/);
    assert.match((await page.textContent('#handoff')) ?? '', /missing order/);

    // The human agent talks; the open page shows it without a reload.
    await post(callId, '/turns', { speaker: 'agent', text: 'Hi, I am Ravi, let me check that order', confidence: 1, language: 'en' });
    await eventually(async () => /I am Ravi/.test((await page.textContent('#transcript')) ?? ''), 10_000, 'the new line on the page');
    const lines = await page.$$eval('#transcript li', (items) => items.map((li) => li.className));
    assert.deepEqual(lines, ['caller', 'agent']);
    // AGENT_PAGE_SCREENSHOT=file.png keeps a picture of the page for a person to look at.
    if (process.env.AGENT_PAGE_SCREENSHOT) await page.screenshot({ path: process.env.AGENT_PAGE_SCREENSHOT });
  } finally {
    await page.close();
  }
  await post(callId, '/disposition', { outcome: 'resolved' });
  await h.result(callId);
});
