// What a call script tells the engine about its call, and what the engine hands back.
import type { DigitsInput, UtteranceInput } from '../messages';
import type { CallMode, CallOutcome, CallType, Language, RejectionReason } from '../types';

export interface CallSpec {
  callType: CallType;
  /** What the call is about in Jupiter's terms: an order id, a lead id, a questionnaire key. */
  businessKey: string;
  /** Who is called: a vendor, rider or lead id. */
  partyId: string;
  calleePhone: string;
  language: Language;
  /** Prompt id → text; every id the script plays must be here. */
  prompts: Record<string, string>;
  mode: CallMode;
  /** The prompt ready for the moment the callee answers; none when a speech-to-speech model greets. */
  firstPrompt?: string;
  /** Voice calls end politely after this long; the carrier's own limit is set a little above it. */
  maxCallSeconds?: number;
}

/** What the callee did: pressed keys (IVR or stream DTMF) or said something (transcribed). */
export type CalleeInput = ({ kind: 'keys' } & DigitsInput) | ({ kind: 'speech' } & UtteranceInput);

export type Answer<T> =
  | { kind: 'answer'; value: T; input: CalleeInput }
  | { kind: 'no-response' }
  | { kind: 'hung-up' }
  | { kind: 'time-up' }
  /** The call was handed to a person while the question waited: the script stops asking. */
  | { kind: 'handed-off' };

/** Adapts a parser of keypad digits to CalleeInput; speech and empty input are not answers. */
export function keys<T>(parse: (digits: string) => T | undefined): (input: CalleeInput) => T | undefined {
  return (input) => (input.kind === 'keys' && input.digits ? parse(input.digits) : undefined);
}

export interface Decision {
  outcome: CallOutcome;
  prepTimeMinutes?: number;
  rejectionReason?: RejectionReason;
}

/** The message of an activity's failure, for the journal. */
export function errorMessage(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
