// The machinery every DTMF call shares: prepare prompts, dial with redials, ask questions
// with reprompts, report once. The call scripts (one file per call type) read as steps on it.
import {
  ActivityFailure,
  allHandlersFinished,
  ApplicationFailure,
  condition,
  proxyActivities,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type * as callActivities from '../activities';
import type * as speechActivities from '../activities/speech';
import { CallJournal } from './call-journal';
import { DialAttempts } from './dial-attempts';
import {
  callStateQuery,
  CallStatusKey,
  type DigitsInput,
  OutcomeKey,
  promptInterruptedSignal,
  type PromptInterruptedEvent,
  providerStatusSignal,
  type ProviderStatusEvent,
  ReportStatusKey,
  submitDigitsUpdate,
  submitUtteranceUpdate,
  nextPromptUpdate,
  InputRejection,
  type UtteranceInput,
} from './messages';
import type {
  CallInput, CallOutcome, CallResult, CallState, CallStatus, CallType, Language,
  PreparedPrompt, RejectionReason,
} from './types';

export interface IvrCallSpec {
  callType: CallType;
  orderId: string;
  partyId: string;
  calleePhone: string;
  language: Language;
  /** Prompt id → text; every id the script plays must be here. */
  prompts: Record<string, string>;
  /** ivr: the provider's flow plays prompts and gathers keys; voicebot: our media gateway does. */
  mode: 'ivr' | 'voicebot';
  /** The prompt ready for the moment the callee answers. */
  firstPrompt: string;
  /** Voicebot calls end politely after this long. */
  maxCallSeconds?: number;
}

/** What the callee did: pressed keys (IVR or stream DTMF) or said something (transcribed). */
export type CalleeInput = ({ kind: 'keys' } & DigitsInput) | ({ kind: 'speech' } & UtteranceInput);

export type Answer<T> =
  | { kind: 'answer'; value: T; input: CalleeInput }
  | { kind: 'no-response' }
  | { kind: 'hung-up' }
  | { kind: 'time-up' };

/** Adapts a parser of keypad digits to CalleeInput; speech and empty input are not answers. */
export function keys<T>(parse: (digits: string) => T | undefined): (input: CalleeInput) => T | undefined {
  return (input) => (input.kind === 'keys' && input.digits ? parse(input.digits) : undefined);
}

export interface Decision {
  outcome: CallOutcome;
  prepTimeMinutes?: number;
  rejectionReason?: RejectionReason;
}

const INPUT_READY_TIMEOUT = '5s';

export class IvrCall {
  readonly callId = workflowInfo().workflowId;
  readonly state: CallState;
  private prepared: Record<string, PreparedPrompt> = {};
  private readonly attempts = new DialAttempts();
  private readonly journal = new CallJournal();
  private readonly inbox: CalleeInput[] = [];
  private hangUpBy?: number;
  private promptSeq = 0;
  /** Set once the outcome is known; from then on the call takes no input. */
  private decision?: Decision;

  private readonly speech;
  private readonly telephony;
  private readonly jupiter;
  private readonly store;

  constructor(
    private readonly spec: IvrCallSpec,
    private readonly input: CallInput<unknown>,
  ) {
    const { policy } = input;
    this.speech = proxyActivities<typeof speechActivities>({
      taskQueue: input.speechTaskQueue,
      startToCloseTimeout: '60s',
      scheduleToCloseTimeout: '3m', // no speech worker for that long: fall back to text prompts
      retry: { maximumAttempts: 5 },
    });
    this.telephony = proxyActivities<typeof callActivities>({
      startToCloseTimeout: '30s',
      retry: { initialInterval: '2s', maximumAttempts: 5, nonRetryableErrorTypes: ['ProviderConfig'] },
    });
    this.jupiter = proxyActivities<typeof callActivities>({
      startToCloseTimeout: '60s',
      retry: {
        initialInterval: policy.reportRetryInitialSeconds * 1000,
        maximumInterval: policy.reportRetryMaxSeconds * 1000,
        backoffCoefficient: 2, // no attempt limit: until Jupiter answers 2xx, or rejects with a 4xx
      },
    });
    this.store = proxyLocalActivities<typeof callActivities>({
      startToCloseTimeout: '15s',
      retry: { initialInterval: '1s', maximumInterval: '30s' },
    });
    this.state = {
      callId: this.callId,
      callType: spec.callType,
      orderId: spec.orderId,
      status: 'PREPARING',
      attempts: 0,
      digits: [],
      awaitingInput: false,
      transitions: [],
      reportStatus: 'PENDING',
    };
    setHandler(callStateQuery, () => this.state);
    setHandler(providerStatusSignal, (event) => this.onProviderStatus(event));
    setHandler(submitDigitsUpdate, (input) => this.onInput({ kind: 'keys', ...input }), {
      validator: (input) => this.validateInput(input.callSid, /^[0-9*#]{0,40}$/.test(input.digits) ? undefined : 'digits must be keypad characters'),
    });
    setHandler(submitUtteranceUpdate, (input) => this.onInput({ kind: 'speech', ...input }), {
      validator: (input) => this.validateInput(input.callSid, input.text.length > 2000 ? 'utterance too long' : undefined),
    });
    setHandler(promptInterruptedSignal, (event) => this.onInterrupted(event));
    setHandler(
      nextPromptUpdate,
      async ({ afterSeq }) => {
        await condition(() => this.promptSeq > afterSeq || this.decision !== undefined);
        return this.state.prompt!;
      },
      { validator: ({ callSid }) => this.validateInput(callSid, undefined) },
    );
  }

  /** Synthesizes every prompt before dialling, so none is generated while the callee waits. */
  async prepare(): Promise<void> {
    await this.setStatus('PREPARING', 'synthesizing prompts');
    try {
      this.prepared = await this.speech.synthesizePrompts({ language: this.spec.language, texts: this.spec.prompts });
    } catch (err) {
      // Exotel can read text itself; a missing speech worker must not stop the call.
      this.event('tts_unavailable', { error: errorMessage(err) });
    }
  }

  /** Dials until someone answers, with a durable gap between attempts. */
  private async dialUntilAnswered(): Promise<'answered' | 'no-answer' | 'failed'> {
    const { policy } = this.input;
    for (let attempt = 1; attempt <= policy.maxAttempts; attempt++) {
      if (attempt > 1) {
        await this.setStatus('WAITING_REDIAL', `attempt ${attempt} of ${policy.maxAttempts} in ${policy.redialGapSeconds}s`);
        await sleep(policy.redialGapSeconds * 1000);
      }
      this.state.attempts = attempt;
      this.play(this.spec.firstPrompt); // ready before the callee picks up and the flow fetches it
      let callSid: string;
      try {
        ({ callSid } = await this.telephony.placeCall(this.input.provider, {
          callId: this.callId,
          mode: this.spec.mode,
          to: this.spec.calleePhone,
          attempt,
          ringTimeoutSeconds: policy.ringTimeoutSeconds,
          timeLimitSeconds: policy.timeLimitSeconds,
        }));
      } catch (err) {
        this.event('dial_failed', { attempt, error: errorMessage(err) });
        return 'failed';
      }
      this.state.currentCallSid = callSid;
      this.event('dialed', { attempt, callSid });
      await this.setStatus('DIALING', `attempt ${attempt}, CallSid ${callSid}`);

      const settled = () => this.attempts.answered(callSid) || this.attempts.terminal(callSid) !== undefined;
      if (!(await condition(settled, (policy.ringTimeoutSeconds + 30) * 1000))) await this.reconcile(callSid);
      if (this.attempts.answered(callSid) || this.attempts.terminal(callSid) === 'completed') {
        if (this.spec.maxCallSeconds) this.hangUpBy = Date.now() + this.spec.maxCallSeconds * 1000;
        await this.setStatus('IN_IVR', `answered on attempt ${attempt}`);
        return 'answered';
      }
    }
    return 'no-answer';
  }

  /** Dials; returns the decision when nobody could be reached, undefined once someone answers. */
  async reach(): Promise<Decision | undefined> {
    const dialled = await this.dialUntilAnswered();
    if (dialled === 'answered') return undefined;
    return { outcome: dialled === 'failed' ? 'FAILED' : 'NO_ANSWER' };
  }

  /** Ends a call whose callee never gave a valid answer. */
  noResponse(): Decision {
    this.finish('no_response');
    return { outcome: 'NO_RESPONSE' };
  }

  /** Adds prompts made during the call (e.g. an LLM's reply, synthesized). */
  addPrompts(prompts: Record<string, PreparedPrompt>): void {
    Object.assign(this.prepared, prompts);
  }

  /** Synthesizes a line decided during the call; falls back to text (the gateway then synthesizes it). */
  async prepareLine(id: string, text: string): Promise<void> {
    try {
      this.addPrompts(await this.speech.synthesizePrompts({ language: this.spec.language, texts: { [id]: text } }));
    } catch (err) {
      this.event('tts_unavailable', { error: errorMessage(err) });
      this.addPrompts({ [id]: { id, text } });
    }
  }

  /** Plays a question and waits for a valid answer, asking again on no input or an unclear one. */
  async ask<T>(question: string, parse: (input: CalleeInput) => T | undefined, retryPrompt = `${question}_retry`): Promise<Answer<T>> {
    // The first question is already playing since the call was answered: restarting it would
    // make the media gateway cut the greeting and start over.
    if (this.state.prompt?.id !== question) this.play(question);
    this.state.awaitingInput = true;
    try {
      for (let misses = 0; ; ) {
        const wait = Math.min(this.input.policy.inputTimeoutSeconds * 1000, this.timeLeft());
        const gotInput = await condition(() => this.inbox.length > 0 || this.hungUp(), wait);
        const input = this.inbox.shift();
        if (!input && this.hungUp()) return { kind: 'hung-up' };
        if (!input && this.timeLeft() <= 0) return { kind: 'time-up' };
        if (input) this.recordInput(question, input);
        const value = input ? parse(input) : undefined;
        if (value !== undefined && input) {
          if (input.kind === 'keys') this.state.digits.push(input.digits);
          return { kind: 'answer', value, input };
        }
        if (!gotInput) this.event('input_timeout', { question });
        if (++misses > this.input.policy.maxReprompts) return { kind: 'no-response' };
        this.play(retryPrompt);
      }
    } finally {
      this.state.awaitingInput = false;
    }
  }

  /** Plays the closing prompt; the flow hangs up after it. Also answers any update still waiting. */
  finish(closingPrompt: string): void {
    this.play(closingPrompt, true);
  }

  /** Reports the outcome to Jupiter and updates the order, each exactly once. */
  async complete(decision: Decision, details: { reportFields: Record<string, unknown>; orderStatus?: string }): Promise<CallResult> {
    this.decision = decision;
    this.state.outcome = decision.outcome;
    upsertSearchAttributes([{ key: OutcomeKey, value: decision.outcome }]);
    this.event('outcome', { ...decision });
    await this.setStatus('REPORTING', `outcome ${decision.outcome}`);

    const { runId } = workflowInfo();
    const result: CallResult = {
      callId: this.callId,
      outcome: decision.outcome,
      attempts: this.state.attempts,
      callSid: this.state.currentCallSid,
      digits: [...this.state.digits],
      answeredAt: this.state.answeredAt,
      prepTimeMinutes: decision.prepTimeMinutes,
      rejectionReason: decision.rejectionReason,
      reportStatus: 'PENDING',
    };
    result.reportStatus = await this.deliver('result', 'POST', '/api/voice-calls/result', `${this.callId}/${runId}/result`, {
      call_id: this.callId,
      call_sid: result.callSid ?? null,
      call_type: this.spec.callType,
      status: decision.outcome,
      order_id: this.spec.orderId,
      ...details.reportFields,
      digits: result.digits,
      prep_time_minutes: decision.prepTimeMinutes ?? null,
      rejection_reason: decision.rejectionReason ?? null,
      answered_at: result.answeredAt ?? null,
      attempts: result.attempts,
    });
    this.state.reportStatus = result.reportStatus;
    upsertSearchAttributes([{ key: ReportStatusKey, value: result.reportStatus }]);

    if (details.orderStatus) {
      const orderPath = this.input.jupiterOrderPath.replace('{order_id}', encodeURIComponent(this.spec.orderId));
      const orderUpdate = await this.deliver('order_update', 'PATCH', orderPath, `${this.callId}/${runId}/order`, {
        status: details.orderStatus,
        prep_time_minutes: decision.prepTimeMinutes ?? null,
        call_id: this.callId,
      });
      this.event('order_updated', { status: details.orderStatus, delivery: orderUpdate });
    }

    this.state.result = result;
    await this.setStatus('COMPLETED', `${decision.outcome}; report ${result.reportStatus}`);
    await condition(allHandlersFinished);
    return result;
  }

  async setStatus(status: CallStatus, details: string): Promise<void> {
    this.state.status = status;
    upsertSearchAttributes([{ key: CallStatusKey, value: status }]);
    setCurrentDetails(`**${status}**: ${details}`);
    await this.save();
  }

  private async deliver(kind: 'result' | 'order_update', method: 'POST' | 'PATCH', path: string, idempotencyKey: string, payload: Record<string, unknown>) {
    try {
      await this.jupiter.deliverToJupiter({ callId: this.callId, kind, idempotencyKey, method, path, payload });
      return 'DELIVERED' as const;
    } catch (err) {
      // A 4xx from Jupiter will not change on retry: record it for ops, don't fail the call.
      if (!(err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === 'JupiterRejected')) throw err;
      this.event(`${kind}_rejected`, { error: errorMessage(err) });
      return 'REJECTED_BY_JUPITER' as const;
    }
  }

  private play(promptId: string, hangup = false): void {
    const prompt = this.prepared[promptId] ?? { id: promptId, text: this.spec.prompts[promptId] };
    if (prompt.text === undefined) throw ApplicationFailure.nonRetryable(`no prompt ${promptId}`);
    this.promptSeq++;
    this.state.prompt = { ...prompt, hangup, seq: this.promptSeq };
    if (this.spec.mode === 'voicebot') this.journal.said({ speaker: 'bot', text: prompt.text, promptId });
  }

  private hungUp(): boolean {
    return !!this.state.currentCallSid && this.attempts.terminal(this.state.currentCallSid) !== undefined;
  }

  private onProviderStatus(event: ProviderStatusEvent): void {
    if (!this.attempts.apply(event)) return;
    if (event.event === 'answered') this.state.answeredAt ??= new Date().toISOString();
    const transition = { at: new Date().toISOString(), callSid: event.callSid, event: event.event, status: event.status };
    this.state.transitions.push(transition);
    this.event('status', { ...transition });
  }

  private validateInput(callSid: string, problem: string | undefined): void {
    if (problem) throw ApplicationFailure.nonRetryable(problem, InputRejection.invalid);
    if (this.decision) throw ApplicationFailure.nonRetryable('the call is over and takes no more input', InputRejection.callOver);
    if (this.attempts.terminal(callSid)) {
      throw ApplicationFailure.nonRetryable(`CallSid ${callSid} is an attempt that ended`, InputRejection.unknownCallSid);
    }
  }

  private async onInput(input: CalleeInput) {
    // Input can overtake the dial result or the answered callback on its way here: wait
    // briefly for this attempt to be the current one and a question to be open.
    const ready = await condition(() => this.state.awaitingInput && this.state.currentCallSid === input.callSid, INPUT_READY_TIMEOUT);
    if (!ready) throw ApplicationFailure.nonRetryable(`CallSid ${input.callSid} is not this call's current attempt`, InputRejection.unknownCallSid);
    this.attempts.markAnswered(input.callSid); // input proves the callee answered
    this.state.answeredAt ??= new Date().toISOString();
    const seq = this.promptSeq;
    this.inbox.push(input);
    await condition(() => this.promptSeq > seq);
    return this.state.prompt!;
  }

  private onInterrupted(event: PromptInterruptedEvent): void {
    if (event.callSid !== this.state.currentCallSid) return;
    // The transcript keeps what was said; this records how much of it was heard.
    this.event('prompt_interrupted', { ...event });
  }

  private recordInput(question: string, input: CalleeInput): void {
    if (input.kind === 'keys') {
      this.event('digits', { question, digits: input.digits, callSid: input.callSid });
      if (this.spec.mode === 'voicebot') this.journal.said({ speaker: 'caller', text: `[keys] ${input.digits}` });
    } else {
      this.event('utterance', { question, text: input.text, confidence: input.confidence, callSid: input.callSid });
      this.journal.said({ speaker: 'caller', text: input.text, confidence: input.confidence, language: input.language, durationMs: input.durationMs });
    }
  }

  private timeLeft(): number {
    return this.hangUpBy === undefined ? Number.POSITIVE_INFINITY : this.hangUpBy - Date.now();
  }

  /** No callback within the ring timeout: ask the provider what became of the call. */
  private async reconcile(callSid: string): Promise<void> {
    let status: string;
    try {
      status = await this.telephony.fetchCallStatus(this.input.provider, callSid);
    } catch (err) {
      status = 'no-answer';
      this.event('reconcile_failed', { callSid, error: errorMessage(err) });
    }
    if (status === 'in-progress') this.onProviderStatus({ callSid, event: 'answered' });
    else if (status === 'completed' || status === 'failed' || status === 'busy') this.onProviderStatus({ callSid, event: 'terminal', status });
    else this.onProviderStatus({ callSid, event: 'terminal', status: 'no-answer' });
  }

  private event(kind: string, data: Record<string, unknown>): void {
    this.journal.event(kind, data);
  }

  private async save(): Promise<void> {
    const { events, transcript } = this.journal.take();
    await this.store.recordCall(
      {
        callId: this.callId,
        callType: this.spec.callType,
        orderId: this.spec.orderId,
        partyId: this.spec.partyId,
        calleePhone: this.spec.calleePhone,
        language: this.spec.language,
        provider: this.input.provider,
        status: this.state.status,
        providerCallId: this.state.currentCallSid,
        outcome: this.state.outcome,
        digits: this.state.digits,
        prepTimeMinutes: this.decision?.prepTimeMinutes,
        rejectionReason: this.decision?.rejectionReason,
        attempts: this.state.attempts,
        answeredAt: this.state.answeredAt,
        endedAt: this.state.status === 'COMPLETED' ? new Date().toISOString() : undefined,
      },
      events,
      transcript,
    );
  }
}

function errorMessage(err: unknown): string {
  if (err instanceof ActivityFailure && err.cause) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}
