// How the caller's keys answer a prompt, wherever keys are collected (Twilio's <Gather>, DTMF
// on a media stream). The workflow's prompts do not say how many keys they expect, so the rule
// lives here, by prompt id:
// - menus answered with one key (accept/reject, a reason): the key is the answer at once, as
//   Exotel's Gather does with its "max digits 1";
// - questions that also take a typed number ended by '#' (prep time: "1, 2, 3, or the minutes
//   followed by hash"): '#' ends the input, or a pause after the last key does, so a vendor who
//   presses only "2" is heard too.
// A retry prompt ("<id>_retry") asks the same question, so it takes keys the same way.
const TYPED_NUMBER_PROMPTS = new Set(['prep_time']);

export interface KeysShape {
  /** 1: the first key is the answer; unset: keys up to finishOnKey or a pause. */
  numDigits?: number;
  finishOnKey: string;
}

export function keysShape(promptId: string | undefined): KeysShape {
  const question = (promptId ?? '').replace(/_retry$/, '');
  return TYPED_NUMBER_PROMPTS.has(question) ? { finishOnKey: '#' } : { numDigits: 1, finishOnKey: '#' };
}
