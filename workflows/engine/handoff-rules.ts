// When a call should go to a person: the caller asks for one (in English, Hindi or Hinglish),
// the bot keeps misunderstanding, or someone raises an escalation. Pure: the lifecycle feeds it
// every turn and semantic event and acts on the reason it returns.
import type { Turn } from '../lifecycle-types';

/** Asking for a person, in the words callers use: "agent", "insaan se baat", "manager", "असली आदमी". */
const ASKS_FOR_PERSON = [
  /\b(human|real person|live person|a person|someone real|representative|operator|customer (care|service|support)|manager|supervisor|agent)\b/i,
  /\b(insaan|insan|aadmi|admi|kisi (se|insaan|aadmi)|manager|agent|executive)\b.*\b(baat|connect|chahiye|karao|karwao|karaiye|do|dijiye)\b/i,
  /\b(baat|connect)\b.*\b(insaan|insan|aadmi|manager|agent|executive)\b/i,
  /(इंसान|आदमी|मैनेजर|एजेंट|व्यक्ति|अधिकारी|कस्टमर केयर)/,
];

export function asksForPerson(text: string): boolean {
  return ASKS_FOR_PERSON.some((pattern) => pattern.test(text));
}

/** Semantic event types the rules read. */
export const HandoffEventTypes = {
  escalation: 'escalation_requested',
  misunderstanding: 'misunderstanding',
  understood: 'intent_detected',
} as const;

export type HandoffRuleReason = 'caller_asked_for_person' | 'repeated_misunderstanding' | 'escalation_event';

export class HandoffRules {
  private misunderstoodInARow = 0;

  constructor(private readonly misunderstandingLimit: number) {}

  /** A caller's turn that asks for a person hands the call off. */
  onTurn(turn: Pick<Turn, 'speaker' | 'text'>): HandoffRuleReason | undefined {
    if (turn.speaker === 'caller' && asksForPerson(turn.text)) return 'caller_asked_for_person';
    return undefined;
  }

  onEvent(type: string): HandoffRuleReason | undefined {
    if (type === HandoffEventTypes.escalation) return 'escalation_event';
    if (type === HandoffEventTypes.understood) this.misunderstoodInARow = 0;
    if (type === HandoffEventTypes.misunderstanding && ++this.misunderstoodInARow >= this.misunderstandingLimit) return 'repeated_misunderstanding';
    return undefined;
  }
}
