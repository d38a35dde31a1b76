// What the provider has told us about each dial attempt (by CallSid). Callbacks arrive twice or
// out of order: a duplicate, or anything after an attempt's end, changes nothing.
import type { ProviderStatusEvent } from '../messages';
import type { TerminalStatus } from '../types';

interface AttemptState {
  answered: boolean;
  terminal?: TerminalStatus;
}

/** Callbacks may precede the dial result, so unknown CallSids are kept, up to a bound. */
const MAX_TRACKED_CALL_SIDS = 20;

export class DialAttempts {
  private readonly bySid = new Map<string, AttemptState>();

  answered(callSid: string): boolean {
    return this.get(callSid).answered;
  }

  terminal(callSid: string): TerminalStatus | undefined {
    return this.get(callSid).terminal;
  }

  /** Applies a status callback; true when it changed the attempt's state. */
  apply(event: ProviderStatusEvent): boolean {
    const attempt = this.get(event.callSid);
    if (attempt.terminal) return false;
    if (event.event === 'answered') {
      if (attempt.answered) return false;
      attempt.answered = true;
      return true;
    }
    if (!event.status) return false;
    attempt.terminal = event.status;
    return true;
  }

  /** Input from the callee proves the attempt was answered. */
  markAnswered(callSid: string): void {
    this.get(callSid).answered = true;
  }

  private get(callSid: string): AttemptState {
    let attempt = this.bySid.get(callSid);
    if (!attempt) {
      attempt = { answered: false };
      if (this.bySid.size < MAX_TRACKED_CALL_SIDS) this.bySid.set(callSid, attempt);
    }
    return attempt;
  }
}
