// Shared setup of the Twilio provider's unit tests (providers/twilio/*.test.ts): settings, a fake
// Twilio REST API, a call request builder and a failure matcher.
import assert from 'node:assert/strict';
import { after, before } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { resetConfig } from '../../lib/config';
import type { PlaceCallRequest } from '../../providers/types';
import { FakeTwilio } from '../fakes/twilio';

// The public origin Twilio is given differs from where the router listens (a loopback port),
// as behind a proxy: signatures must be checked against the public URL.
export const PUBLIC_BASE_URL = 'https://calls.example.test';
export const ACCOUNT_SID = 'AC' + '0123456789abcdef'.repeat(2);
export const AUTH_TOKEN = 'test-twilio-auth-token';
export const FROM = '+15005550006';

/** Sets the Twilio settings; call before importing the provider's modules. */
export function applyTwilioSettings(): void {
  Object.assign(process.env, { PUBLIC_BASE_URL, TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM_NUMBER: FROM });
  resetConfig();
}

/** A fake Twilio API for this test file, started before its tests, with the client pointed at it. */
export function useFakeTwilio(): FakeTwilio {
  const fake = new FakeTwilio(ACCOUNT_SID, AUTH_TOKEN);
  before(async () => {
    await fake.start();
    process.env.TWILIO_API_URL = fake.url;
    resetConfig();
  });
  after(() => fake.stop());
  return fake;
}

export async function rejectsWith(promise: Promise<unknown>, type: string, nonRetryable: boolean, message?: RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof ApplicationFailure, `expected ApplicationFailure, got ${String(err)}`);
    assert.equal(err.type, type, err.message);
    assert.equal(err.nonRetryable, nonRetryable, `nonRetryable for ${type}`);
    if (message) assert.match(err.message, message);
    return true;
  });
}

export const request = (overrides: Partial<PlaceCallRequest> = {}): PlaceCallRequest => ({
  callId: 'call-0001',
  mode: 'voicebot',
  to: '+919876543210',
  attempt: 1,
  ringTimeoutSeconds: 45,
  timeLimitSeconds: 300,
  ...overrides,
});
