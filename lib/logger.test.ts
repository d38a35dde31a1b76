import assert from 'node:assert/strict';
import { test } from 'node:test';
import { maskPhone } from './logger';
import { redactSecrets, registerSecrets } from './redact';

test('maskPhone keeps only the country prefix and the last three digits', () => {
  assert.equal(maskPhone('+919876543210'), '+91*******210');
  assert.equal(maskPhone('12345'), '***');
});

test('redactSecrets removes a secret in every form it travels in, and short values are left alone', () => {
  registerSecrets(['s3cr/t value!', 'abc', undefined]);
  assert.equal(redactSecrets('/webhooks/exotel/s3cr%2Ft%20value!/status'), '/webhooks/exotel/[redacted]/status');
  assert.equal(redactSecrets('{"path":"/x/s3cr/t value!"}'), '{"path":"/x/[redacted]"}');
  assert.equal(redactSecrets('abc is not a secret'), 'abc is not a secret');
});
