// The phone simulator in real headless Chromium: the page at /simulator is a telephone on the
// "browser" provider. Chromium's fake microphone plays a WAV of synthesized speech; the gateway,
// Temporal, PostgreSQL and Redis are real, and so is the ASR: the offline speech host
// (faster-whisper tiny.en) hears the looped WAV ("Yes, I am.") itself.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { eventually, useHarness } from './harness';
import { speak } from './speech';
import { launchChromium, screenshot, writeWavFile } from './support/browser';
import { openDayAhead } from './support/clinic';

declare const document: { body: { dataset: Record<string, string | undefined> } }; // in the page's functions only

const OPS_TOKEN = 'test-ops-token-0123456789';
const QUESTIONNAIRE_LINE = '+911800100001';
const APPOINTMENT_LINE = '+911800100004';
const WIRE_RATE = 16000;

const LINES = { [QUESTIONNAIRE_LINE]: { bot: 'questionnaire', language: 'en' }, [APPOINTMENT_LINE]: { bot: 'appointment-agent', language: 'en' } };
const { h, db } = useHarness({ asr: 'offline', env: { CODEC_AUTH_TOKEN: OPS_TOKEN, INBOUND_ROUTES: JSON.stringify(LINES) } });

/** The caller's microphone: quiet, then `text`, looped by Chromium for as long as the call lasts. */
async function microphone(name: string, text: string | undefined, silenceMs: number): Promise<string> {
  const speech = text ? await speak(text, 'en', WIRE_RATE) : new Int16Array(0);
  const samples = new Int16Array((silenceMs * WIRE_RATE) / 1000 + speech.length);
  samples.set(speech, samples.length - speech.length);
  return writeWavFile(name, samples, WIRE_RATE);
}

async function openSimulator(browser: Browser, myNumber?: string): Promise<Page> {
  const context = await browser.newContext({ httpCredentials: { username: 'ops', password: OPS_TOKEN } });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('simulator page error:', err.message));
  await page.goto(`${h.gatewayUrl}/simulator/`);
  if (myNumber) {
    await page.fill('#my-number', myNumber);
    await page.click('#number-form button[type=submit]');
  }
  await page.waitForFunction((n) => document.body.dataset.registered === n, myNumber ?? '+919000000001');
  return page;
}

const botLines = (page: Page) => page.locator('#transcript li.bot').count();
const callIdOn = async (page: Page) => `inbound-browser-${await page.evaluate(() => document.body.dataset.callSid)}`;
const callEnded = (page: Page, count = 1) => page.waitForFunction((n) => Number(document.body.dataset.ended ?? 0) >= n, count, { timeout: 90_000 });

/** Presses a key once the bot has said one more line than before (the next question). */
async function pressAfterNextLine(page: Page, key: string, linesBefore: number): Promise<number> {
  await eventually(async () => (await botLines(page)) > linesBefore || undefined, 30_000, 'the next question');
  const lines = await botLines(page);
  await page.click(`#keypad button[data-key="${key}"]`);
  return lines;
}

describe('phone simulator', () => {
  test('the page, its lines and its telephone need the ops token', async () => {
    for (const path of ['/simulator/', '/simulator/lines', '/webhooks/browser/phone?number=%2B919000000001']) {
      const response = await fetch(h.gatewayUrl + path);
      assert.equal(response.status, 401, path);
      assert.match(response.headers.get('www-authenticate') ?? '', /^Basic /);
    }
    const wrong = await fetch(`${h.gatewayUrl}/simulator/lines`, { headers: { Authorization: 'Bearer nope' } });
    assert.equal(wrong.status, 401);
    const lines = await fetch(`${h.gatewayUrl}/simulator/lines`, { headers: { Authorization: `Bearer ${OPS_TOKEN}` } });
    assert.deepEqual(((await lines.json()) as { lines: unknown }).lines, [
      { number: QUESTIONNAIRE_LINE, bot: 'questionnaire', language: 'en', mode: 'voicebot' },
      { number: APPOINTMENT_LINE, bot: 'appointment-agent', language: 'en' },
    ]);
    const answer = await fetch(`${h.gatewayUrl}/webhooks/browser/answer`, {
      method: 'POST', headers: { Authorization: `Bearer ${OPS_TOKEN}`, 'Content-Type': 'application/json' }, body: '{"callSid":"CA123"}',
    });
    assert.equal(answer.status, 400, 'a CallSid of another shape is refused');

    // The media socket: the ops token, from our own pages only (no cross-site socket riding on the cookie).
    const { WebSocket } = await import('ws');
    const upgrade = (headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/browser`, { headers });
        ws.once('open', () => (ws.close(), resolve(101)));
        ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.once('error', () => {});
      });
    assert.equal(await upgrade({}), 401);
    assert.equal(await upgrade({ Authorization: `Bearer ${OPS_TOKEN}`, Origin: 'https://elsewhere.example' }), 401);
    assert.equal(await upgrade({ Authorization: `Bearer ${OPS_TOKEN}` }), 101);
  });

  test('answer and decline: the first decision wins; unknown and expired rings are refused', async () => {
    const { cache } = await import('../lib/cache');
    const { browserPhoneKey } = await import('../lib/keys');
    const { BrowserClient } = await import('../providers/browser/client');
    const tab = '+919000000055';
    await cache().set(browserPhoneKey(tab), '1', 30); // as if a tab were open for it
    const ring = (ringTimeoutSeconds: number) => new BrowserClient().placeCall({ callId: 'questionnaire-NOBODY', mode: 'voicebot', to: tab, attempt: 1, ringTimeoutSeconds, timeLimitSeconds: 60 });
    const post = async (path: string, body: unknown) => {
      const response = await fetch(`${h.gatewayUrl}/webhooks/browser/${path}`, {
        method: 'POST', headers: { Authorization: `Bearer ${OPS_TOKEN}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const { callSid } = await ring(30);
    assert.deepEqual(await post('answer', { callSid }), { status: 200, body: { callSid, callId: 'questionnaire-NOBODY' } });
    assert.equal((await post('answer', { callSid })).status, 410, 'no longer ringing');
    assert.equal((await post('decline', { callSid })).body.error, 'ring_taken');
    assert.equal(await new BrowserClient().getCallStatus(callSid), 'in-progress');

    const expired = await ring(0);
    await new Promise((r) => setTimeout(r, 5));
    assert.equal((await post('answer', expired)).status, 410);
    assert.equal(await new BrowserClient().getCallStatus(expired.callSid), 'no-answer');
    assert.equal((await post('answer', { callSid: 'BR' + '0'.repeat(32) })).status, 404);
    assert.equal((await post('decline', { callSid: 'BR' + '0'.repeat(32), reason: 'voicemail' })).status, 400);
  });

  describe('in Chromium', () => {
    let talker: Browser;
    let quiet: Browser;
    before(async () => {
      [talker, quiet] = await Promise.all([
        microphone('yes.wav', 'Yes, I am.', 3000).then(launchChromium),
        microphone('silence.wav', undefined, 1000).then(launchChromium),
      ]);
    });
    after(async () => {
      await Promise.all([talker?.close(), quiet?.close()]);
    });

    test('a yes/no questionnaire answered by voice, end to end', async () => {
      const page = await openSimulator(talker);
      await page.selectOption('#line', QUESTIONNAIRE_LINE);
      await page.click('#call');
      await eventually(async () => (await page.locator('#transcript li.caller').count()) > 0 || undefined, 60_000, 'the caller to be heard');
      await screenshot(page, 'simulator-voice-in-call');
      await callEnded(page);
      await screenshot(page, 'simulator-voice-ended');

      const callId = await callIdOn(page);
      const result = await h.result(callId);
      assert.equal(result.outcome, 'ELIGIBLE');
      const [report] = h.jupiter.reportsFor(callId);
      assert.equal(report.body.direction, 'inbound');
      assert.deepEqual(report.body.answers.map((a: any) => [a.answer, a.via]), [['yes', 'speech'], ['yes', 'speech'], ['yes', 'speech']]);
      assert.equal(h.speechHost.transcriptions.length, 0, 'the real speech host heard the caller, not the scripted one');
      assert.ok(h.offlineAsr!.requests.filter((line) => line.startsWith('POST /v1/audio/transcriptions 200')).length >= 3, 'the microphone reached the ASR host');
      // The transcript beside the keypad: the bot's questions and what the caller said.
      // How many questions the caller heard out depends on when the looped "yes" comes; the goodbye is always shown.
      const shown = JSON.stringify(await page.locator('#transcript li').allTextContents());
      assert.equal(await page.locator('#transcript li.bot', { hasText: 'You are eligible' }).count(), 1, shown);
      assert.ok((await page.locator('#transcript li.caller', { hasText: /yes/i }).count()) >= 3, shown);
      assert.ok(Number(await page.evaluate(() => document.body.dataset.marks ?? 0)) >= 5, 'the bot audio played: its marks came back from the player');
      // The goodbye (about 4.8 s) outlasts the microphone's loop (about 4.1 s), so the caller always
      // talks over part of it: the gateway sends `clear` and the page drops the rest (barge-in).
      assert.ok(Number(await page.evaluate(() => document.body.dataset.cleared ?? 0)) >= 1, 'barge-in cleared the bot audio');
    });

    test('the appointment receptionist over the Realtime bridge: booked by voice, both sides on screen', async () => {
      const date = openDayAhead();
      const request = `I would like an appointment on ${date}, my name is Asha Rao.`;
      h.realtime.script([
        { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } },
        {
          transcript: request, // what the fake model "hears" when its VAD finds the caller's speech
          respond: {
            toolCall: { name: 'list_available_slots', arguments: { date } },
            then: { toolCall: { name: 'create_appointment', arguments: { customer_name: 'Asha Rao', date, time: '10:00' } }, then: { say: 'You are booked at ten.', audioMs: 500 } },
          },
        },
      ]);
      const page = await openSimulator(talker);
      await page.selectOption('#line', APPOINTMENT_LINE);
      await page.click('#call');
      const update: any = await eventually(() => h.realtime.receivedOf('session.update')[0], 20_000, 'the model session');
      assert.deepEqual(update.session.audio.input.format, { type: 'audio/pcm', rate: 24000 }, '16 kHz PCM from the tab is resampled for the model');
      const row = await eventually(async () => (await db.pg.query('SELECT customer_name, call_id FROM appointments')).rows[0], 30_000, 'the booking');
      const callId = await callIdOn(page);
      assert.equal(row.customer_name, 'Asha Rao');
      assert.equal(row.call_id, callId);
      await page.waitForSelector('#transcript li.caller:has-text("Asha Rao")', { timeout: 20_000 });
      await page.waitForSelector('#transcript li.bot:has-text("Hello, City Clinic")', { timeout: 20_000 });
      await screenshot(page, 'simulator-appointment');
      await page.click('#hangup');
      await callEnded(page);
      const result = await h.result(callId);
      assert.equal(result.outcome, 'BOOKED');
    });

    test('keypad presses reach the workflow as DTMF', async () => {
      const page = await openSimulator(quiet);
      await page.selectOption('#line', QUESTIONNAIRE_LINE);
      await page.click('#call');
      let lines = await pressAfterNextLine(page, '1', 0);
      lines = await pressAfterNextLine(page, '1', lines);
      await pressAfterNextLine(page, '2', lines);
      await callEnded(page);
      await screenshot(page, 'simulator-keypad');
      const callId = await callIdOn(page);
      const result = await h.result(callId);
      assert.equal(result.outcome, 'NOT_ELIGIBLE');
      const [report] = h.jupiter.reportsFor(callId);
      assert.deepEqual(report.body.answers.map((a: any) => [a.answer, a.via, a.heard]), [['yes', 'keys', '1'], ['yes', 'keys', '1'], ['no', 'keys', '2']]);
      assert.ok((await page.locator('#transcript li.caller', { hasText: '[keys] 2' }).count()) === 1);
    });

    test('an outbound call request with provider browser rings the tab, which answers', async () => {
      const myNumber = '+919000000077';
      const page = await openSimulator(quiet, myNumber);
      const started = await h.api('POST', '/api/nerve/questionnaire', { call_key: 'SIM-OUT-1', phone: myNumber, name: 'Meera', language: 'en', provider: 'browser' });
      assert.equal(started.status, 202, JSON.stringify(started.body));
      await page.waitForSelector('#incoming:not([hidden])', { timeout: 30_000 });
      await screenshot(page, 'simulator-ringing');
      await page.click('#answer');
      let lines = await pressAfterNextLine(page, '1', 0);
      lines = await pressAfterNextLine(page, '1', lines);
      await pressAfterNextLine(page, '1', lines);
      await callEnded(page);
      const result = await h.result(started.body.call_id);
      assert.equal(result.outcome, 'ELIGIBLE');
      assert.equal(result.attempts, 1);
      const [report] = h.jupiter.reportsFor('SIM-OUT-1');
      assert.deepEqual(report.body.answers.map((a: any) => a.answer), ['yes', 'yes', 'yes']);
      assert.match(report.body.call_sid, /^BR[0-9a-f]{32}$/);
    });

    test('a declined ring is busy and redialled; with no tab open the call is not answered', async () => {
      const myNumber = '+919000000088';
      const page = await openSimulator(quiet, myNumber);
      const declined = await h.api('POST', '/api/nerve/questionnaire', { call_key: 'SIM-DECLINE', phone: myNumber, name: 'Meera', language: 'en', provider: 'browser' });
      for (let attempt = 1; attempt <= 3; attempt++) {
        await page.waitForSelector('#incoming:not([hidden])', { timeout: 30_000 });
        await page.click('#decline');
        await page.waitForSelector('#incoming', { state: 'hidden' });
      }
      const busy = await h.result(declined.body.call_id);
      assert.equal(busy.outcome, 'NO_ANSWER');
      assert.equal(busy.attempts, 3);
      const state = await h.client.workflow.getHandle(declined.body.call_id).query('callState');
      assert.deepEqual((state as any).transitions.map((t: any) => t.status), ['busy', 'busy', 'busy']);

      const nobody = await h.api('POST', '/api/nerve/questionnaire', { call_key: 'SIM-NOBODY', phone: '+919000000099', name: 'Meera', language: 'en', provider: 'browser' });
      const unanswered = await h.result(nobody.body.call_id);
      assert.equal(unanswered.outcome, 'NO_ANSWER');
      assert.equal(unanswered.attempts, 3);
      const nobodyState = await h.client.workflow.getHandle(nobody.body.call_id).query('callState');
      assert.deepEqual((nobodyState as any).transitions.map((t: any) => t.status), ['no-answer', 'no-answer', 'no-answer']);
    });
  });
});
