import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { classifyKeypad, classifyYesNo } from './yes-no';

describe('classifyYesNo', () => {
  const cases: [string, 'yes' | 'no' | undefined][] = [
    // every yes phrase
    ...(['yes', 'yeah', 'yep', 'yup', 'sure', 'of course', 'correct', 'right', 'ok', 'okay', 'haan', 'han', 'haa', 'ha', 'haanji', 'ji', 'ji haan',
      'bilkul', 'theek hai', 'thik hai', 'sahi', 'zaroor', 'हाँ', 'हां', 'जी', 'जी हाँ', 'बिल्कुल', 'ठीक है', 'ज़रूर', 'सही'] as const).map(
      (p): [string, 'yes'] => [p, 'yes'],
    ),
    // every no phrase
    ...(['no', 'nope', 'nah', 'not really', 'nahi', 'nahin', 'nai', 'na', 'mat', 'bilkul nahi', 'नहीं', 'ना', 'बिल्कुल नहीं', 'जी नहीं'] as const).map(
      (p): [string, 'no'] => [p, 'no'],
    ),
    // normalization
    ['Yes!', 'yes'],
    ['  OKAY,   sure.  ', 'yes'],
    ['हाँ जी।', 'yes'],
    ['ज़रूर', 'yes'],
    ['जरूर', 'yes'], // without nukta
    ['नहीं।', 'no'],
    ['Haan ji, order ready ho jayega', 'yes'],
    ['Ji haan bilkul', 'yes'],
    // whole words only
    ['I know', undefined],
    ['hana', undefined],
    ['nobody', undefined],
    ['yesterday', undefined],
    ['knowledge', undefined],
    ['nahiin', undefined],
    ['', undefined],
    ['hello, kaun bol raha hai?', undefined],
    // negation wins
    ['haan nahi', 'no'],
    ['okay no', 'no'],
    ['yes, no', 'no'],
    ['of course not', 'no'],
    ['that is not right', 'no'],
    ['ji nahi', 'no'],
    ['nahi ji', 'no'],
    ['na ji', 'no'],
    ['abhi mat bhejo', 'no'],
    // "na" as a tag after yes
    ['haan na', 'yes'],
    ['theek hai na', 'yes'],
    ['हाँ ना', 'yes'],
    // don't-know answers are asked again
    ['pata nahi', undefined],
    ['पता नहीं', undefined],
    ["I don't know", undefined],
    ['not sure', undefined],
    ['maybe', undefined],
    ['no, not sure', 'no'],
    ['no problem', 'yes'],
  ];

  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(classifyYesNo(text), expected));
  }
});

describe('classifyKeypad', () => {
  test('1 is yes, 2 is no, anything else is not an answer', () => {
    assert.equal(classifyKeypad('1'), 'yes');
    assert.equal(classifyKeypad('2'), 'no');
    assert.equal(classifyKeypad('1#'), 'yes');
    assert.equal(classifyKeypad(' 2 '), 'no');
    for (const d of ['0', '3', '9', '*', '#', '', '12', '11']) assert.equal(classifyKeypad(d), undefined, d);
  });
});
