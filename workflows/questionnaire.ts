// A spoken yes/no questionnaire over a media stream: greeting and question 1, then 2 and 3,
// the result, goodbye. Answers come as speech (transcribed by the gateway) or keys. The keypad
// version (an inbound IVR line) with a way to a person offers the person key on every question.
import { classifyKeypad, classifyYesNo } from './yes-no';
import { PhoneCall } from './engine/phone-call';
import type { CalleeInput } from './engine/spec';
import { withPersonKey } from './prompts';
import { questionnairePrompts, type QuestionnaireScript } from './questionnaire-prompts';
import type { CallInput, CallResult, QuestionnaireRequest } from './types';

export interface QuestionnaireInput extends CallInput<QuestionnaireRequest> {
  script: QuestionnaireScript;
  maxCallSeconds: number;
}

export interface QuestionnaireAnswer {
  question: string;
  answer: 'yes' | 'no' | 'unclear';
  via?: 'speech' | 'keys';
  heard?: string;
}

const parseYesNo = (input: CalleeInput) => (input.kind === 'keys' ? classifyKeypad(input.digits) : classifyYesNo(input.text));

export async function questionnaire(input: QuestionnaireInput): Promise<CallResult> {
  const { request: callee, script } = input;
  // Spoken unless the call came in on a keypad flow (an inbound IVR line); outbound calls always stream.
  const mode = input.mode ?? 'voicebot';
  const call = new PhoneCall(
    {
      callType: 'questionnaire',
      businessKey: callee.call_key,
      partyId: callee.call_key,
      calleePhone: callee.phone,
      language: callee.language,
      prompts: mode === 'ivr' ? withPersonKey(questionnairePrompts(callee.language, callee.name, script, mode), callee.language, input.handoff, menus(script)) : questionnairePrompts(callee.language, callee.name, script, mode),
      mode,
      firstPrompt: 'q1',
      maxCallSeconds: input.maxCallSeconds,
    },
    input,
  );

  await call.prepare();
  const unreachable = await call.reach();
  if (unreachable) return call.complete(unreachable, { reportFields: { call_key: callee.call_key, answers: [], eligible: false } });

  const answers: QuestionnaireAnswer[] = [];
  let ending: 'hung-up' | 'time-up' | 'handed-off' | undefined;
  for (let i = 0; i < script.questions.length; i++) {
    const question = script.questions[i];
    // A keypad menu takes the person key; askKeys itself asks again when the caller comes back from nobody answering.
    const reply = mode === 'ivr' ? await call.askKeys(`q${i + 1}`, classifyKeypad, { menu: true }) : await call.ask(`q${i + 1}`, parseYesNo);
    // Handed to a person: stop asking; a spoken caller who comes back from nobody answering hears the question again.
    if (reply.kind === 'handed-off' && mode !== 'ivr' && (await call.backFromHandoff())) {
      i--;
      continue;
    }
    if (reply.kind === 'hung-up' || reply.kind === 'time-up' || reply.kind === 'handed-off') {
      ending = reply.kind;
      break;
    }
    answers.push(
      reply.kind === 'answer'
        ? { question, answer: reply.value, via: reply.input.kind, heard: reply.input.kind === 'speech' ? reply.input.text : reply.input.digits }
        : { question, answer: 'unclear' }, // asked twice; move on rather than lose the rest
    );
  }

  const yes = answers.filter((a) => a.answer === 'yes').length;
  const complete = answers.length === script.questions.length;
  const eligible = complete && yes >= (script.minYes ?? script.questions.length);
  const heardNothing = answers.every((a) => a.answer === 'unclear');
  // A call handed to a person hears no closing line from the bot: the person (or the provider's message) ends it.
  if (ending === 'time-up') call.finish('time_up');
  else if (ending !== 'hung-up' && ending !== 'handed-off') call.finish(heardNothing ? 'no_response' : eligible ? 'eligible' : 'not_eligible');

  // A call handed to a person is escalated unless its caller, back from nobody answering, answered the bot again.
  const outcome = ending === 'handed-off' || call.escalatedByHandoff() ? 'ESCALATED' : heardNothing || (ending && !complete) ? 'NO_RESPONSE' : eligible ? 'ELIGIBLE' : 'NOT_ELIGIBLE';
  return call.complete({ outcome }, { reportFields: { call_key: callee.call_key, answers, eligible, ...call.handoffReport() } });
}

/** The keypad questions and their retries: each offers the person key. */
function menus(script: QuestionnaireScript): string[] {
  return script.questions.flatMap((_, i) => [`q${i + 1}`, `q${i + 1}_retry`]);
}
