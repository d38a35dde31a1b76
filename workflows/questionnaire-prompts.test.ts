import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_QUESTIONNAIRES, questionnairePrompts } from './questionnaire-prompts';

const script = DEFAULT_QUESTIONNAIRES.en;

test('a named callee is greeted as before; a caller we do not know is greeted without a name', () => {
  const named = questionnairePrompts('en', 'Meera', script);
  assert.equal(named.q1, `Hello Meera. We have three quick questions; please answer yes or no. ${script.questions[0]} You can also press 1 for yes and 2 for no.`);
  assert.ok(questionnairePrompts('en', '', script).q1.startsWith('Hello. We have three quick questions'));
  assert.ok(questionnairePrompts('hi', '', DEFAULT_QUESTIONNAIRES.hi).q1.startsWith('नमस्ते। हमारे तीन'));
});

test('the keypad questionnaire asks for 1 or 2 with every question and never asks to speak', () => {
  const ivr = questionnairePrompts('en', '', script, 'ivr');
  for (const [i, question] of script.questions.entries()) {
    for (const id of [`q${i + 1}`, `q${i + 1}_retry`]) {
      assert.ok(ivr[id].includes(question) && ivr[id].endsWith('Press 1 for yes, or 2 for no.'), `${id}: ${ivr[id]}`);
      assert.ok(!/say yes or no/i.test(ivr[id]), id);
    }
  }
  assert.ok(ivr.q1.includes('keypad'));
  assert.deepEqual(Object.keys(ivr).sort(), Object.keys(questionnairePrompts('en', '', script)).sort(), 'the same prompt ids either way');
});
