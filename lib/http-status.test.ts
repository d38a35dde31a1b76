import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isFinalHttpFailure } from './http-status';

test('a 4xx other than 429 is final; 429, 5xx and no answer at all are worth retrying', () => {
  for (const status of [400, 401, 402, 403, 404, 409, 422, 499]) assert.equal(isFinalHttpFailure(status), true, String(status));
  for (const status of [0, 200, 302, 429, 500, 502, 503, 504]) assert.equal(isFinalHttpFailure(status), false, String(status));
});
