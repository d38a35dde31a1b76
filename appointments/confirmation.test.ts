// Unit tests for confirmation numbers: their shape, their spread, and reading one back as said.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normalizeConfirmation } from './confirmation';
import { randomConfirmationNumber } from './store';

describe('confirmation numbers', () => {
  test('random numbers are APT- and five digits, and do not repeat much', () => {
    const drawn = Array.from({ length: 200 }, randomConfirmationNumber);
    for (const number of drawn) assert.match(number, /^APT-\d{5}$/);
    assert.ok(new Set(drawn).size >= 190, `${new Set(drawn).size} distinct of 200`);
  });

  test('what a caller or a model says is read back as the number', () => {
    for (const said of ['APT-04217', 'apt-04217', 'APT 04217', ' apt 0 4 2 1 7 ', '04217']) assert.equal(normalizeConfirmation(said), 'APT-04217', said);
    for (const said of ['APT-4217', 'APT-042170', 'ABC-04217', 'my booking', '']) assert.equal(normalizeConfirmation(said), undefined, said);
  });
});
