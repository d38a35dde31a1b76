import assert from 'node:assert/strict';
import { test } from 'node:test';
import { asksForPerson, HandoffRules } from './handoff-rules';

test('asking for a person is heard in English, Hinglish and Hindi', () => {
  for (const text of ['Can I talk to an agent please', 'I want a real person', 'get me your manager', 'kisi insaan se baat karao', 'manager se baat karni hai', 'mujhe aadmi se baat karni hai', 'मुझे किसी इंसान से बात करनी है', 'मैनेजर से बात कराइए']) {
    assert.equal(asksForPerson(text), true, text);
  }
  for (const text of ['haan ji', 'yes please book it', 'my budget is fifty lakh', 'नहीं', 'Pune mein flat chahiye']) {
    assert.equal(asksForPerson(text), false, text);
  }
});

test('only the caller asking counts: the bot saying "agent" does not hand off', () => {
  const rules = new HandoffRules(3);
  assert.equal(rules.onTurn({ speaker: 'bot', text: 'An agent will call you back' }), undefined);
  assert.equal(rules.onTurn({ speaker: 'caller', text: 'connect me to an agent' }), 'caller_asked_for_person');
});

test('misunderstanding hands off at the configured count in a row; an understood turn resets it', () => {
  const rules = new HandoffRules(2);
  assert.equal(rules.onEvent('misunderstanding'), undefined);
  assert.equal(rules.onEvent('intent_detected'), undefined);
  assert.equal(rules.onEvent('misunderstanding'), undefined);
  assert.equal(rules.onEvent('misunderstanding'), 'repeated_misunderstanding');
  assert.equal(rules.onEvent('escalation_requested'), 'escalation_event');
  assert.equal(rules.onEvent('sentiment'), undefined);
});
