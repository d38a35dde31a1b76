// The yes/no questionnaire's words. Questions come from configuration (QUESTIONNAIRE_CONFIG)
// and travel in the workflow input; these are the defaults and the fixed phrases around them.
import type { CallMode, Language } from './types';

export interface QuestionnaireScript {
  questions: string[];
  /** How many yes answers make the callee eligible; defaults to all of them. */
  minYes?: number;
}

export const DEFAULT_QUESTIONNAIRES: Record<Language, QuestionnaireScript> = {
  en: {
    questions: ['Are you above eighteen years of age?', 'Do you have a two-wheeler licence?', 'Can you work on weekends?'],
  },
  hi: {
    questions: ['क्या आपकी उम्र अठारह साल से ज़्यादा है?', 'क्या आपके पास दोपहिया वाहन का लाइसेंस है?', 'क्या आप सप्ताहांत में काम कर सकते हैं?'],
  },
};

interface Phrases {
  /** name is empty when we do not know who is calling (an inbound call). */
  greeting: (name: string) => string;
  again: string;
  keypad: string;
  /** The keypad-only questionnaire (an IVR flow: nothing to say, only keys to press). */
  greetingKeys: (name: string) => string;
  pressKeys: string;
  wrongKey: string;
  eligible: string;
  notEligible: string;
  noResponse: string;
  timeUp: string;
}

const named = (hello: string, name: string) => (name ? `${hello} ${name}` : hello);

const PHRASES: Record<Language, Phrases> = {
  en: {
    greeting: (name) => `${named('Hello', name)}. We have three quick questions; please answer yes or no.`,
    again: 'Sorry, I did not catch that. Please say yes or no, or press 1 for yes and 2 for no.',
    keypad: 'You can also press 1 for yes and 2 for no.',
    greetingKeys: (name) => `${named('Hello', name)}. We have three quick questions; please answer on your keypad.`,
    pressKeys: 'Press 1 for yes, or 2 for no.',
    wrongKey: 'Sorry, that was not 1 or 2.',
    eligible: 'Thank you. You are eligible, and our team will contact you soon. Goodbye.',
    notEligible: 'Thank you for your time. Unfortunately you are not eligible right now. Goodbye.',
    noResponse: 'We could not hear you. We will call again later. Goodbye.',
    timeUp: 'We are out of time for this call. Thank you, goodbye.',
  },
  hi: {
    greeting: (name) => `${named('नमस्ते', name)}। हमारे तीन छोटे सवाल हैं, कृपया हाँ या नहीं में जवाब दीजिए।`,
    again: 'माफ़ कीजिए, समझ नहीं आया। कृपया हाँ या नहीं कहिए, या हाँ के लिए 1 और नहीं के लिए 2 दबाइए।',
    keypad: 'आप हाँ के लिए 1 और नहीं के लिए 2 भी दबा सकते हैं।',
    greetingKeys: (name) => `${named('नमस्ते', name)}। हमारे तीन छोटे सवाल हैं, कृपया फ़ोन के बटन से जवाब दीजिए।`,
    pressKeys: 'हाँ के लिए 1, नहीं के लिए 2 दबाइए।',
    wrongKey: 'माफ़ कीजिए, कृपया 1 या 2 ही दबाइए।',
    eligible: 'धन्यवाद। आप योग्य हैं, हमारी टीम जल्द आपसे संपर्क करेगी। नमस्ते।',
    notEligible: 'आपके समय के लिए धन्यवाद। अभी आप योग्य नहीं हैं। नमस्ते।',
    noResponse: 'हम आपको सुन नहीं पाए। हम बाद में फिर कॉल करेंगे। नमस्ते।',
    timeUp: 'इस कॉल का समय पूरा हो गया है। धन्यवाद, नमस्ते।',
  },
};

/**
 * Prompt ids: q1..qN (the first one opens with the greeting), their _retry variants, and the
 * endings. A voicebot call asks to speak (keys also work); an IVR call asks for keys only.
 */
export function questionnairePrompts(language: Language, name: string, script: QuestionnaireScript, mode: CallMode = 'voicebot'): Record<string, string> {
  const p = PHRASES[language];
  const prompts: Record<string, string> = {
    eligible: p.eligible,
    not_eligible: p.notEligible,
    no_response: p.noResponse,
    time_up: p.timeUp,
  };
  script.questions.forEach((question, i) => {
    const id = `q${i + 1}`;
    if (mode === 'ivr') {
      prompts[id] = i === 0 ? `${p.greetingKeys(name)} ${question} ${p.pressKeys}` : `${question} ${p.pressKeys}`;
      prompts[`${id}_retry`] = `${p.wrongKey} ${question} ${p.pressKeys}`;
      return;
    }
    prompts[id] = i === 0 ? `${p.greeting(name)} ${question} ${p.keypad}` : question;
    prompts[`${id}_retry`] = `${p.again} ${question}`;
  });
  return prompts;
}
