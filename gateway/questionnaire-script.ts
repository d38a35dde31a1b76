// The questionnaire's questions per language (QUESTIONNAIRE_CONFIG, else the built-in ones) and
// its reprompt rule, shared by the calls Jupiter asks for and the calls that ring in.
import type { Config } from '../lib/config';
import { DEFAULT_QUESTIONNAIRES, type QuestionnaireScript } from '../workflows/questionnaire-prompts';
import type { Language } from '../workflows/types';
import { QuestionnaireConfigSchema } from './schemas';

/** An unclear answer is asked again once, not twice: three questions would otherwise drag. */
export const QUESTIONNAIRE_MAX_REPROMPTS = 1;

/** Parses QUESTIONNAIRE_CONFIG once; the result picks the script for a call's language. */
export function questionnaireScripts(config: Config): (language: Language) => QuestionnaireScript {
  const custom = config.QUESTIONNAIRE_CONFIG ? QuestionnaireConfigSchema.parse(JSON.parse(config.QUESTIONNAIRE_CONFIG)) : undefined;
  return (language) => (custom ? { questions: custom.questions[language], minYes: custom.minYes } : DEFAULT_QUESTIONNAIRES[language]);
}
