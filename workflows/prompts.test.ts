// The person key is offered only on the menus that take it, in the call's language, and keypad
// calls without a way to a person keep their prompts word for word; a caller who can come back
// from nobody answering has the words for asking again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { vendorPrompts, withPersonKey, withRetries } from './prompts';
import type { VendorOrderConfirmationRequest } from './types';

const order = (language: 'en' | 'hi'): VendorOrderConfirmationRequest =>
  ({ order_id: 'O1', vendor_id: 'V1', vendor_phone: '+919800000001', vendor_name: 'Sharma Dhaba', order_items: [{ name: 'Naan', quantity: 2 }], order_amount: 100, language }) as VendorOrderConfirmationRequest;

test('without a handoff path the vendor prompts are unchanged and there is no hand-over line', () => {
  const texts = vendorPrompts(order('en'));
  assert.equal(withPersonKey(texts, 'en', undefined, ['summary', 'reason']), texts);
});

test('the menus offer the key (their retries too); the prep time, which takes typed minutes, does not', () => {
  const texts = withRetries(withPersonKey(vendorPrompts(order('en')), 'en', { handoffKey: '9' }, ['summary', 'reason']), 'en', ['summary', 'prep_time', 'reason']);
  assert.match(texts.summary, /Press 1 to accept, or 0 to reject\. Or press 9 to speak to a person\.$/);
  assert.match(texts.summary_retry, /Or press 9 to speak to a person\.$/);
  assert.match(texts.reason, /Or press 9 to speak to a person\.$/);
  assert.doesNotMatch(texts.prep_time, /speak to a person/);
  assert.doesNotMatch(texts.prep_time_retry, /speak to a person/);
  assert.equal(texts.handover, 'Please hold, I am connecting you to a colleague.');
});

test('in Hindi, with the star key; a handoff path without a key gets only the hand-over line', () => {
  const hindi = withPersonKey(vendorPrompts(order('hi')), 'hi', { handoffKey: '*' }, ['summary']);
  assert.match(hindi.summary, /किसी व्यक्ति से बात करने के लिए स्टार दबाएँ।$/);
  const noKey = withPersonKey(vendorPrompts(order('en')), 'en', {}, ['summary']);
  assert.equal(noKey.summary, vendorPrompts(order('en')).summary);
  assert.ok(noKey.handover);
});

test('a caller who can come back from nobody answering gets the voicemail words for asking again; the voicemail setting needs none', () => {
  const back = withPersonKey(vendorPrompts(order('en')), 'en', { handoffKey: '9', noAgent: 'bot', voicemailText: 'We will call you back.' }, ['summary']);
  assert.equal(back.no_agent, 'We will call you back.');
  const voicemail = withPersonKey(vendorPrompts(order('en')), 'en', { handoffKey: '9', noAgent: 'voicemail', voicemailText: 'We will call you back.' }, ['summary']);
  assert.equal('no_agent' in voicemail, false, 'calls that cannot come back keep the prompts their histories recorded');
});
