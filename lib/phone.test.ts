import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maskPhone, normalisePhone } from './phone';

describe('normalisePhone', () => {
  test("Exotel's local spellings and E.164 meet in one form", () => {
    for (const spelling of ['+918047112233', '08047112233', '918047112233', '00918047112233', '080 4711 2233', '(080) 4711-2233']) {
      assert.equal(normalisePhone(spelling), '+918047112233', spelling);
    }
    assert.equal(normalisePhone('+14155550100'), '+14155550100');
  });

  test('what is not a phone number has no canonical form', () => {
    for (const raw of ['', 'anonymous', 'client:alice', 'sip:bob@example.com', '+0123456789', '12345', '+1234567890123456', '8047112233']) {
      assert.equal(normalisePhone(raw), undefined, raw);
    }
  });
});

test('maskPhone keeps the country prefix and the last three digits only', () => {
  assert.equal(maskPhone('+919812345678'), '+91*******678');
  assert.ok(!maskPhone('+919812345678').includes('98123'));
});
