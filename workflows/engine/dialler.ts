// Dialling: place the call, redial with a durable gap, and learn from the provider's callbacks
// (or, when they are lost, from asking the provider) whether the callee answered.
import { condition, proxyActivities, sleep } from '@temporalio/workflow';
import type * as telephony from '../../activities/telephony';
import type { ProviderStatusEvent } from '../messages';
import type { CallInput, CallState } from '../types';
import { DialAttempts } from './dial-attempts';
import type { CallJournal } from './journal';
import { type CallSpec, errorMessage } from './spec';

const provider = proxyActivities<typeof telephony>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['ProviderConfig'] },
});

/** Room above a voice call's own limit for its goodbye before the carrier cuts the line. */
export const CARRIER_LIMIT_MARGIN_SECONDS = 60;

export type DialOutcome = 'answered' | 'no-answer' | 'failed';

export interface DialHooks {
  /** Puts the first prompt in place before each dial, so it is ready the moment the callee answers. */
  beforeDial(): void;
  status(status: CallState['status'], details: string): void;
}

export class Dialler {
  private readonly attempts = new DialAttempts();

  constructor(
    private readonly spec: CallSpec,
    private readonly input: CallInput<unknown>,
    private readonly state: CallState,
    private readonly journal: CallJournal,
    private readonly hooks: DialHooks,
  ) {}

  /** The carrier's time limit: the call's own limit plus room for the goodbye, else the policy's. */
  get carrierTimeLimitSeconds(): number {
    const own = this.spec.maxCallSeconds;
    return own ? Math.ceil(own) + CARRIER_LIMIT_MARGIN_SECONDS : this.input.policy.timeLimitSeconds;
  }

  /** Dials until someone answers, with a durable gap between attempts. */
  async dialUntilAnswered(): Promise<DialOutcome> {
    if (this.input.inbound) return this.answerInbound(this.input.inbound.callSid);
    const { policy } = this.input;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      if (attempt > 1) {
        this.hooks.status('WAITING_REDIAL', `attempt ${attempt} of ${policy.maxAttempts} in ${policy.redialGapSeconds}s`);
        await sleep(policy.redialGapSeconds * 1000);
      }
      this.state.attempts = attempt;
      this.hooks.beforeDial();
      let callSid: string;
      try {
        ({ callSid } = await provider.placeCall(this.input.provider, {
          callId: this.state.callId,
          mode: this.spec.mode,
          to: this.spec.calleePhone,
          attempt,
          ringTimeoutSeconds: policy.ringTimeoutSeconds,
          timeLimitSeconds: this.carrierTimeLimitSeconds,
        }));
      } catch (err) {
        this.journal.event('dial_failed', { attempt, error: errorMessage(err) });
        return 'failed';
      }
      this.state.currentCallSid = callSid;
      this.journal.event('dialed', { attempt, callSid });
      this.hooks.status('DIALING', `attempt ${attempt}, CallSid ${callSid}`);

      const settled = () => this.attempts.answered(callSid) || this.attempts.terminal(callSid) !== undefined;
      if (!(await condition(settled, (policy.ringTimeoutSeconds + 30) * 1000))) await this.reconcile(callSid);
      if (this.attempts.answered(callSid) || this.attempts.terminal(callSid) === 'completed') {
        this.hooks.status('IN_CALL', `answered on attempt ${attempt}`);
        return 'answered';
      }
    }
    return 'no-answer';
  }

  /**
   * A call we did not place: the caller is already on the line, so nothing is dialled. Its one
   * attempt is the provider's CallSid, answered; a hang-up that came first still counts (the
   * conversation then ends at once).
   */
  private answerInbound(callSid: string): DialOutcome {
    this.state.attempts = 1;
    this.hooks.beforeDial();
    this.state.currentCallSid = callSid;
    this.attempts.markAnswered(callSid);
    this.state.answeredAt ??= new Date().toISOString();
    this.journal.event('inbound_answered', { callSid });
    this.hooks.status('IN_CALL', `inbound call, CallSid ${callSid}`);
    return 'answered';
  }

  /** A provider callback; duplicates and anything after an attempt's end change nothing. */
  onProviderStatus(event: ProviderStatusEvent): void {
    if (!this.attempts.apply(event)) return;
    if (event.event === 'answered') this.state.answeredAt ??= new Date().toISOString();
    const transition = { at: new Date().toISOString(), callSid: event.callSid, event: event.event, status: event.status };
    this.state.transitions.push(transition);
    this.journal.event('status', { ...transition });
  }

  /** Input from the callee on the current attempt proves they answered, callback or not. */
  onCalleeInput(callSid: string): void {
    if (callSid !== this.state.currentCallSid || this.attempts.answered(callSid)) return;
    this.attempts.markAnswered(callSid);
    this.state.answeredAt ??= new Date().toISOString();
    this.journal.event('answered_by_input', { callSid });
  }

  /** An inbound call's one attempt is current from the start: its caller may speak while the call prepares. */
  isCurrent(callSid: string): boolean {
    return callSid === (this.state.currentCallSid ?? this.input.inbound?.callSid);
  }

  ended(callSid: string): boolean {
    return this.attempts.terminal(callSid) !== undefined;
  }

  /** The current attempt has ended (the callee hung up or the line dropped). */
  hungUp(): boolean {
    return !!this.state.currentCallSid && this.ended(this.state.currentCallSid);
  }

  /** No callback within the ring timeout: ask the provider what became of the call. */
  private async reconcile(callSid: string): Promise<void> {
    let status: string;
    try {
      status = await provider.fetchCallStatus(this.input.provider, callSid);
    } catch (err) {
      status = 'no-answer';
      this.journal.event('reconcile_failed', { callSid, error: errorMessage(err) });
    }
    if (status === 'in-progress') this.onProviderStatus({ callSid, event: 'answered' });
    else if (status === 'completed' || status === 'failed' || status === 'busy') this.onProviderStatus({ callSid, event: 'terminal', status });
    else this.onProviderStatus({ callSid, event: 'terminal', status: 'no-answer' });
  }
}
