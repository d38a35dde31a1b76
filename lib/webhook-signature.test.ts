import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signWebhook, verifyWebhook } from './webhook-signature';

test('a signed body verifies; another body, secret or an old timestamp does not', () => {
  const header = signWebhook('s3cret', '{"a":1}', 1_700_000_000);
  assert.match(header, /^t=1700000000,v1=[0-9a-f]{64}$/);
  assert.equal(verifyWebhook('s3cret', '{"a":1}', header, 300, 1_700_000_010), true);
  assert.equal(verifyWebhook('s3cret', '{"a":2}', header, 300, 1_700_000_010), false);
  assert.equal(verifyWebhook('other', '{"a":1}', header, 300, 1_700_000_010), false);
  assert.equal(verifyWebhook('s3cret', '{"a":1}', header, 300, 1_700_001_000), false);
  assert.equal(verifyWebhook('s3cret', '{"a":1}', 'garbage'), false);
});
