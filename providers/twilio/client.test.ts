// The Twilio REST client against a fake Twilio API.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { before, describe, test } from 'node:test';
import { withEnv } from '../../test/support/env';
import { ACCOUNT_SID, applyTwilioSettings, AUTH_TOKEN, FROM, rejectsWith, request, useFakeTwilio } from '../../test/support/twilio';

applyTwilioSettings();
const fake = useFakeTwilio();
let clientModule: typeof import('./client');

before(async () => {
  clientModule = await import('./client');
});

describe('twilio client', () => {
  test('placeCall sends the documented form with Basic auth and returns the sid', async () => {
    const { callSid } = await new clientModule.TwilioClient().placeCall(request({ callId: 'call-form', ringTimeoutSeconds: 30, timeLimitSeconds: 240 }));
    assert.match(callSid, /^CA[0-9a-f]{32}$/);
    const { form, authorization } = fake.call(callSid);
    assert.equal(authorization, 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'));
    assert.equal(form.get('To'), '+919876543210');
    assert.equal(form.get('From'), FROM);
    assert.equal(form.get('Url'), 'https://calls.example.test/webhooks/twilio/voice?callId=call-form');
    assert.equal(form.get('Method'), 'POST');
    assert.equal(form.get('StatusCallback'), 'https://calls.example.test/webhooks/twilio/status?callId=call-form');
    assert.equal(form.get('StatusCallbackMethod'), 'POST');
    assert.deepEqual(form.getAll('StatusCallbackEvent'), ['initiated', 'ringing', 'answered', 'completed']);
    assert.equal(form.get('Timeout'), '30');
    assert.equal(form.get('TimeLimit'), '240');
  });

  test('getCallStatus maps Twilio statuses (canceled → failed)', async () => {
    const client = new clientModule.TwilioClient();
    const { callSid } = await client.placeCall(request());
    assert.equal(await client.getCallStatus(callSid), 'queued');
    for (const [twilioStatus, ours] of [['ringing', 'ringing'], ['in-progress', 'in-progress'], ['no-answer', 'no-answer'], ['busy', 'busy'], ['completed', 'completed'], ['canceled', 'failed']]) {
      fake.statusOfCall.set(callSid, twilioStatus);
      assert.equal(await client.getCallStatus(callSid), ours, twilioStatus);
    }
    await rejectsWith(client.getCallStatus('CA' + '9'.repeat(32)), 'ProviderRejected', true, /404.*20404/);
  });

  test('401 from Twilio is a non-retryable ProviderAuth failure', async () => {
    await withEnv({ TWILIO_AUTH_TOKEN: 'wrong-token' }, () =>
      rejectsWith(new clientModule.TwilioClient().placeCall(request()), 'ProviderAuth', true, /401 \(error 20003\): Authenticate/),
    );
  });

  test("400 (21211 invalid 'To') is a non-retryable ProviderRejected failure", async () => {
    await rejectsWith(new clientModule.TwilioClient().placeCall(request({ to: '12345' })), 'ProviderRejected', true, /21211/);
  });

  test('429 and 5xx are retryable; so is an unreachable API', async () => {
    const client = new clientModule.TwilioClient();
    fake.failNext.push({ status: 429, code: 20429, message: 'Too Many Requests' });
    await rejectsWith(client.placeCall(request()), 'ProviderRateLimited', false);
    fake.failNext.push({ status: 500, code: 20500, message: 'Internal Server Error' });
    await rejectsWith(client.placeCall(request()), 'ProviderUnavailable', false);
    fake.failNext.push({ status: 503, code: 20503, message: 'Service Unavailable' });
    await rejectsWith(client.placeCall(request()), 'ProviderUnavailable', false);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    await withEnv({ TWILIO_API_URL: deadUrl }, () => rejectsWith(new clientModule.TwilioClient().placeCall(request()), 'ProviderUnavailable', false));
  });

  test('IVR mode dials the same way, with mode=ivr on the voice URL', async () => {
    const { callSid } = await new clientModule.TwilioClient().placeCall(request({ callId: 'call-ivr', mode: 'ivr' }));
    const { form } = fake.call(callSid);
    assert.equal(form.get('Url'), 'https://calls.example.test/webhooks/twilio/voice?callId=call-ivr&mode=ivr');
    assert.equal(form.get('StatusCallback'), 'https://calls.example.test/webhooks/twilio/status?callId=call-ivr');
  });

  test('missing settings are non-retryable ProviderConfig failures', async () => {
    const before = fake.creates.length;
    await withEnv({ TWILIO_FROM_NUMBER: '' }, () => rejectsWith(new clientModule.TwilioClient().placeCall(request()), 'ProviderConfig', true));
    assert.equal(fake.creates.length, before, 'nothing was dialled');
  });

  test('reattachStream re-points a live call at a new <Connect><Stream> that holds the line; an ended call is call_over', async () => {
    const client = new clientModule.TwilioClient();
    const { callSid } = await client.placeCall(request({ callId: 'call-reattach' }));
    fake.statusOfCall.set(callSid, 'in-progress');
    assert.equal(await client.reattachStream(callSid, 'call-reattach'), 'done');
    const update = fake.updates.at(-1)!;
    assert.equal(update.callSid, callSid);
    assert.deepEqual(update.stream, { url: 'wss://calls.example.test/media/twilio', parameters: { callId: 'call-reattach' } });
    assert.deepEqual(update.verbs.at(-1), { verb: 'Pause', length: 30 });
    fake.statusOfCall.set(callSid, 'completed');
    assert.equal(await client.reattachStream(callSid, 'call-reattach'), 'call_over', '21220: not in progress');
    assert.equal(await client.reattachStream('CA' + '8'.repeat(32), 'call-reattach'), 'call_over', '404');
  });

  test('hangUp sets Status=completed; a call already ended is call_over', async () => {
    const client = new clientModule.TwilioClient();
    const { callSid } = await client.placeCall(request({ callId: 'call-hangup' }));
    fake.statusOfCall.set(callSid, 'in-progress');
    assert.equal(await client.hangUp(callSid), 'done');
    assert.equal(fake.updates.at(-1)!.form.get('Status'), 'completed');
    assert.equal(await client.hangUp(callSid), 'call_over', 'hung up already');
  });
});
