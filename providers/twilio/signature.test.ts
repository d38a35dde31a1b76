// Twilio request signatures (webhooks and the media stream's upgrade), URLs, and the provider module.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type http from 'node:http';
import { before, describe, test } from 'node:test';
import { applyTwilioSettings, AUTH_TOKEN, PUBLIC_BASE_URL } from '../../test/support/twilio';

applyTwilioSettings();

let signature: typeof import('./signature');
let urls: typeof import('./urls');

before(async () => {
  signature = await import('./signature');
  urls = await import('./urls');
});

describe('twilio signature', () => {
  // The worked example in the twilio-php library's docs ("Validate Incoming Requests",
  // twilio-php.readthedocs.io/en/latest/usage/validation.html): auth token 12345.
  const documented = {
    url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
    params: { CallSid: 'CA1234567890ABCDE', Caller: '+14158675309', Digits: '1234', From: '+14158675309', To: '+18005551212' },
    expected: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=',
  };

  test("matches Twilio's documented example", () => {
    assert.equal(signature.twilioSignature('12345', documented.url, documented.params), documented.expected);
    assert.ok(signature.isValidTwilioSignature('12345', documented.expected, documented.url, documented.params));
  });

  test('matches an independent HMAC-SHA1 of URL + sorted name/value pairs', () => {
    const params = { b: '2', A: '1', a: 'x y', Z: '' };
    // Case-sensitive code-unit order: uppercase before lowercase.
    const data = 'https://h.test/p?q=1' + 'A1' + 'Z' + 'ax y' + 'b2';
    const expected = createHmac('sha1', 'tok').update(data).digest('base64');
    assert.equal(signature.twilioSignature('tok', 'https://h.test/p?q=1', params), expected);
    assert.equal(signature.twilioSignature('tok', 'https://h.test/p'), createHmac('sha1', 'tok').update('https://h.test/p').digest('base64'));
  });

  test('rejects a changed URL, parameter, token, or a missing or truncated signature', () => {
    const { url, params, expected } = documented;
    const valid = (token: string, sig: string | undefined, u: string, p: Record<string, string>) => signature.isValidTwilioSignature(token, sig, u, p);
    assert.equal(valid('12345', expected, url.replace('foo=1', 'foo=2'), params), false);
    assert.equal(valid('12345', expected, url, { ...params, Digits: '4321' }), false);
    assert.equal(valid('54321', expected, url, params), false);
    assert.equal(valid('', expected, url, params), false, 'no auth token configured: nothing validates');
    assert.equal(valid('12345', undefined, url, params), false);
    assert.equal(valid('12345', expected.slice(0, -1), url, params), false);
  });

  test('verifyUpgradeSignature checks the wss URL with its query and no parameters', () => {
    const path = '/media/twilio?callId=call-0001';
    const upgrade = (sig?: string) => ({ url: path, headers: sig ? { 'x-twilio-signature': sig } : {} }) as unknown as http.IncomingMessage;
    const good = signature.twilioSignature(AUTH_TOKEN, 'wss://calls.example.test' + path);
    assert.equal(signature.verifyUpgradeSignature(upgrade(good)), true);
    assert.equal(signature.verifyUpgradeSignature(upgrade(signature.twilioSignature(AUTH_TOKEN, PUBLIC_BASE_URL + path))), false, 'https form is not what Twilio signed');
    assert.equal(signature.verifyUpgradeSignature(upgrade()), false);
  });

  test('urls: webhook URLs on PUBLIC_BASE_URL, stream URL with the ws scheme', () => {
    assert.equal(urls.twilioWebhookUrl('status'), 'https://calls.example.test/webhooks/twilio/status');
    assert.equal(urls.twilioWebhookUrl('voice', { callId: 'call a&b' }), 'https://calls.example.test/webhooks/twilio/voice?callId=call+a%26b');
    assert.equal(urls.twilioStreamUrl(), 'wss://calls.example.test/media/twilio');
    assert.equal(signature.toWebSocketOrigin('http://localhost:8080'), 'ws://localhost:8080');
  });

  test('the provider module exposes the stream codec and the upgrade check', async () => {
    const { twilio } = await import('.');
    assert.equal(twilio.name, 'twilio');
    assert.equal(twilio.stream?.codec.provider, 'twilio');
    assert.equal(twilio.stream?.authorizeUpgrade, signature.verifyUpgradeSignature);
  });
});
