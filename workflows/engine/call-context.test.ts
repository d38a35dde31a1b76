import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fallbackSummary } from './call-context';

test('the fallback summary names the call, what is known, and the last words of each side', () => {
  const turns = [
    { turnId: 'a', seq: 1, at: '', speaker: 'bot' as const, text: 'Which city are you looking in?' },
    { turnId: 'b', seq: 2, at: '', speaker: 'caller' as const, text: 'Pune, around fifty lakh' },
  ];
  const summary = fallbackSummary('lead-qualification', { city: 'Pune', budget: '50L' }, turns, 2);
  assert.equal(summary, 'lead-qualification call, 2 turns so far. Known: city = Pune; budget = 50L. Caller last said: "Pune, around fifty lakh". Bot last said: "Which city are you looking in?".');
  assert.equal(fallbackSummary('support', {}, [], 0), 'support call, 0 turns so far.');
});
