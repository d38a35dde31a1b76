// One phone call to a callee, as the call scripts (one file per call type) see it: prepare,
// reach, ask, finish, complete. The parts it is made of each hold one concern: the dialler
// (placing the call and its status), the conversation (prompts and input), the reporter
// (Jupiter) and the journal (audit log, transcript and the call's row).
import { allHandlersFinished, condition, proxyActivities, setCurrentDetails, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type * as telephony from '../../activities/telephony';
import {
  callStateQuery, CallStatusKey, nextPromptUpdate, OutcomeKey, promptInterruptedSignal, providerStatusSignal, ReportStatusKey,
  submitDigitsUpdate, submitUtteranceUpdate,
} from '../messages';
import type { CallInput, CallResult, CallState, CallStatus } from '../types';
import type { HandoffInfo } from '../lifecycle-types';
import { maskPhone } from '../../lib/phone';
import { CallContextKeeper } from './call-context';
import { Conversation } from './conversation';
import { Dialler } from './dialler';
import { CallJournal } from './journal';
import { HandedOffStreams } from './handed-off-streams';
import { HandoffRules } from './handoff-rules';
import { Lifecycle, ORCHESTRATOR } from './lifecycle';
import { Reporter } from './report';
import { type Answer, type CalleeInput, type CallSpec, type Decision, keys } from './spec';

/** Moving a live call: a few quick tries, then the caller stays with the bot. */
const transfers = proxyActivities<typeof telephony>({ startToCloseTimeout: '15s', retry: { initialInterval: '1s', maximumAttempts: 3, nonRetryableErrorTypes: ['ProviderConfig'] } });

export class PhoneCall {
  readonly callId = workflowInfo().workflowId;
  readonly state: CallState;
  private readonly journal: CallJournal;
  private readonly dialler: Dialler;
  private readonly conversation: Conversation;
  private readonly reporter: Reporter;
  private readonly context: CallContextKeeper;
  /** CREATED → ACTIVE (answered) → ENDED (outcome known); the API reads it and writes turns and events through it. */
  readonly lifecycle: Lifecycle;
  private decision?: Decision;
  /** The keypad question a handoff interrupted, while the human leg lasts: asked again when nobody answers. */
  private interrupted?: string;
  /** The person key pressed again after nobody answered: the call ends with a call back owed. */
  private askedAgain = false;
  /** A keypad call's menu keys so far ("summary 7, summary 1"): part of the context a person gets. */
  private readonly pressed: string[] = [];
  /** How the bot lets go of the caller for the provider's flow to dial a person: a prompted bot plays its hand-over line and closes the stream. */
  private letGo: (handoff: HandoffInfo) => void = () => this.conversation.handOver();
  /** The callee's inputs so far when the call came back to the bot from an unanswered handoff. */
  private inputsWhenBack?: number;
  /** A stream the handoff ended may report its end late, after the caller is back with the bot: not a hang-up. */
  private readonly handedOffStreams = new HandedOffStreams();

  constructor(
    private readonly spec: CallSpec,
    private readonly input: CallInput<unknown>,
  ) {
    this.state = {
      callId: this.callId,
      callType: spec.callType,
      businessKey: spec.businessKey,
      status: 'PREPARING',
      attempts: 0,
      digits: [],
      awaitingInput: false,
      transitions: [],
      reportStatus: 'PENDING',
    };
    this.journal = new CallJournal(() => this.record());
    // Our bots' calls start and end themselves; with a transfer configured they can be handed to a person.
    this.context = new CallContextKeeper(spec.callType, undefined);
    const handoff = input.handoff;
    this.lifecycle = new Lifecycle({
      callType: spec.callType,
      journal: this.journal,
      context: this.context,
      externallyDriven: false,
      ...(handoff && {
        rules: new HandoffRules(handoff.misunderstandingLimit),
        agentDesk: handoff.agentDesk,
        transfer: {
          settings: handoff,
          run: async () => {
            // Exotel has no mid-call update: the bot closes its stream (or its IVR flow's Passthru
            // hears the hand-over) and the flow dials the agent.
            if (handoff.via === 'flow') return this.letGo(this.lifecycle.handoffInfo!);
            // A keypad caller's keys wait for their answer (Twilio's <Gather> action): that answer dials the agent.
            if (spec.mode === 'ivr' && this.conversation.answeringInput()) return this.conversation.handOverInAnswer({ agent: handoff.agent, ringSeconds: handoff.ringSeconds });
            // Otherwise the live call is moved; a keypad caller taken out of a menu hears the hand-over line first.
            const lead = spec.mode === 'ivr' ? { lead: this.conversation.handoverLine() } : {};
            return transfers.transferToAgent(input.provider, { callId: this.callId, callSid: this.state.currentCallSid!, agent: handoff.agent, ringSeconds: handoff.ringSeconds, ...lead });
          },
          // A keypad caller nobody answered hears the menu they left again: the <Gather> or the IVR flow's Greeting plays it next.
          ...(spec.mode === 'ivr' && { backToBot: () => (this.interrupted ? { prompt: this.conversation.askAgain(this.interrupted) } : {}) }),
        },
      }),
    });
    this.dialler = new Dialler(spec, input, this.state, this.journal, {
      beforeDial: () => this.conversation.playFirst(),
      status: (status, details) => this.setStatus(status, details),
    });
    this.conversation = new Conversation(spec, input, this.state, this.journal, this.dialler, () => this.lifecycle.withHuman);
    this.reporter = new Reporter(this.callId, input.policy, this.journal);

    setHandler(callStateQuery, () => this.state);
    setHandler(providerStatusSignal, (event) => {
      // A handoff moved the call off the media stream: the stream's end is not the caller's, unless the provider says the call ended.
      if (this.handedOffStreams.endedByHandoff(event, !!this.lifecycle.handoffInfo, this.lifecycle.withHuman)) return this.journal.event('stream_ended_by_handoff', { callSid: event.callSid });
      this.dialler.onProviderStatus(event);
    });
    setHandler(submitDigitsUpdate, (input) => this.conversation.onInput({ kind: 'keys', ...input }), {
      validator: (input) => this.conversation.validate(input.callSid, /^[0-9*#]{0,40}$/.test(input.digits) ? undefined : 'digits must be keypad characters'),
    });
    setHandler(submitUtteranceUpdate, (input) => this.conversation.onInput({ kind: 'speech', ...input }), {
      validator: (input) => this.conversation.validate(input.callSid, input.text.length > 2000 ? 'utterance too long' : undefined),
    });
    setHandler(nextPromptUpdate, ({ afterSeq }) => this.conversation.nextPrompt(afterSeq), {
      validator: ({ callSid }) => this.conversation.validate(callSid, undefined),
    });
    setHandler(promptInterruptedSignal, (event) => {
      // The transcript keeps what was said; this records how much of it was heard.
      if (this.dialler.isCurrent(event.callSid)) this.journal.event('prompt_interrupted', { ...event });
    });
  }

  /** Synthesizes every prompt before dialling. */
  async prepare(): Promise<void> {
    this.setStatus('PREPARING', 'synthesizing prompts');
    await this.conversation.prepare();
  }

  /** Dials; returns the decision when nobody could be reached, undefined once someone answers. */
  async reach(): Promise<Decision | undefined> {
    const dialled = await this.dialler.dialUntilAnswered();
    if (dialled === 'answered') {
      this.conversation.started();
      this.lifecycle.activate(ORCHESTRATOR);
      return undefined;
    }
    return { outcome: dialled === 'failed' ? 'FAILED' : 'NO_ANSWER' };
  }

  ask<T>(question: string, parse: (input: CalleeInput) => T | undefined, retryPrompt?: string): Promise<Answer<T>> {
    return this.conversation.ask(question, parse, retryPrompt);
  }

  /**
   * A keypad question (`menu`: its prompt offers the person key). With a way to a person, a menu's
   * person key hands the call off and its wrong keys count toward the misunderstanding rule (silence
   * does not). Handed off: waits out the human leg, then answers 'handed-off', or asks again when
   * nobody answered and the caller is back with the bot. A caller who hangs up on the question asked
   * again is still owed a person (answered 'handed-off'): their hang-up may be the one that ended the
   * agent's ringing, which the provider reports just before it. One who presses the person key again
   * (a handoff happens once) hears the call back promised (`no_agent`) and the call ends 'handed-off'.
   */
  async askKeys<T>(question: string, parse: (digits: string) => T | undefined, { menu = false } = {}): Promise<Answer<T>> {
    for (let cameBack = false; ; cameBack = true) {
      const answer = await this.conversation.ask(question, keys(parse), undefined, menu ? (input) => this.heardOnMenu(question, input, parse) : undefined);
      if (cameBack && answer.kind === 'hung-up') return { kind: 'handed-off' };
      if (answer.kind !== 'handed-off') return answer;
      if (this.askedAgain) {
        this.finish('no_agent');
        return answer;
      }
      this.interrupted = question;
      const back = await this.backFromHandoff();
      this.interrupted = undefined;
      if (!back) return answer;
    }
  }

  private heardOnMenu(question: string, input: CalleeInput, parse: (digits: string) => unknown): 'stop' | void {
    const handoff = this.input.handoff;
    if (!handoff || input.kind !== 'keys' || !input.digits) return;
    this.pressed.push(`${question} ${input.digits}`);
    this.context.note('keys_pressed', this.pressed.join(', '));
    if (input.digits === handoff.handoffKey) {
      // Back from nobody answering (a handoff happens once): the caller asking again is owed a call back.
      if (this.lifecycle.handoffInfo && handoff.noAgent === 'bot') {
        this.askedAgain = true;
        return 'stop';
      }
      this.handOff('caller_asked_for_person', 'caller');
      return;
    }
    const understood = parse(input.digits) !== undefined;
    this.lifecycle.recordEvent({ eventId: `keys-${this.pressed.length}`, type: understood ? 'intent_detected' : 'misunderstanding', data: { question, digits: input.digits } });
  }

  prepareLine(id: string, text: string): Promise<void> {
    return this.conversation.prepareLine(id, text);
  }

  finish(closingPrompt: string): void {
    this.conversation.finish(closingPrompt);
  }

  /** Ends a call whose callee never gave a valid answer. */
  noResponse(): Decision {
    this.finish('no_response');
    return { outcome: 'NO_RESPONSE' };
  }

  // For speech-to-speech calls, whose conversation runs in the model (see agent-desk.ts).

  /** Throws the update rejection for input the call cannot take (an ended attempt, a call that is over). */
  validateInput(callSid: string): void {
    this.conversation.validate(callSid, undefined);
  }

  isCurrentCall(callSid: string): boolean {
    return this.dialler.isCurrent(callSid);
  }

  hungUp(): boolean {
    return this.dialler.hungUp();
  }

  isOver(): boolean {
    return this.conversation.isOver();
  }

  /** Milliseconds until the call's own time limit (Infinity when it has none). */
  timeLeftMs(): number {
    return this.conversation.timeLeft();
  }

  /** Records an event and has it stored soon (off the call's path): the live transcript is read while the call runs. */
  event(kind: string, data: Record<string, unknown>): void {
    this.journal.event(kind, data);
    this.journal.save();
  }

  /** Hands the call to a person now when it can be (a transfer is configured, the call is live and not handed off yet). */
  handOff(reason: string, requestedBy: string): boolean {
    return this.lifecycle.tryHandoff({ actor: requestedBy, reason, requestedBy });
  }

  /** A bot that speaks for itself (the receptionist's model session) lets go of the caller its own way. */
  handOverWith(letGo: (handoff: HandoffInfo) => void): void {
    this.letGo = letGo;
  }

  get language(): string {
    return this.spec.language;
  }

  /** The caller is with a person, or being connected to one. */
  withHuman(): boolean {
    return this.lifecycle.withHuman;
  }

  /**
   * After a handoff: waits until the human leg is over (the caller hung up, or no agent answered
   * and the call went back to the bot) and, when a person took the call, for the agent's
   * disposition (at most the configured wrap-up time). True when a person took the call.
   */
  async humanLeg(): Promise<boolean> {
    await condition(() => this.hungUp() || !this.withHuman());
    const tookIt = this.lifecycle.handoffInfo?.agent?.status === 'answered' || this.lifecycle.handoffInfo?.agent?.status === 'completed';
    if (tookIt && !this.lifecycle.ended) await condition(() => this.lifecycle.ended, (this.input.handoff?.wrapUpSeconds ?? 0) * 1000);
    return tookIt;
  }

  /**
   * A question stopped because the call was handed to a person: waits for the human leg. True when
   * the caller is back with the bot (nobody answered and the call is configured to come back) and
   * the script should carry on; false when a person took the call, the caller left, or a
   * voicemail message ends it.
   */
  async backFromHandoff(): Promise<boolean> {
    const tookIt = await this.humanLeg();
    const back = !tookIt && !this.hungUp() && !this.withHuman() && this.input.handoff?.noAgent === 'bot';
    if (back) this.inputsWhenBack = this.conversation.inputsHeard;
    return back;
  }

  /**
   * Handed off and never talked with the bot again: the call is ESCALATED whatever the script
   * reached (a call back is owed). False for a call never handed off, and for a caller back from
   * an unanswered handoff who answered the bot again (the script's own outcome stands).
   */
  escalatedByHandoff(): boolean {
    if (!this.lifecycle.handoffInfo) return false;
    return this.inputsWhenBack === undefined || this.conversation.inputsHeard <= this.inputsWhenBack;
  }

  /** What Jupiter hears of a handoff (nothing when there was none, so reports keep their shape). */
  handoffReport(): Record<string, unknown> {
    const handoff = this.lifecycle.handoffInfo;
    if (!handoff) return {};
    return { handoff: { reason: handoff.reason, requested_by: handoff.requestedBy, at: handoff.at, agent_status: handoff.agent?.status ?? null, disposition: handoff.disposition ?? null } };
  }

  /** A fact the caller gave (a collected field): part of the call's context. */
  noteEntity(name: string, value: string): void {
    this.context.note(name, value);
  }

  said(line: { speaker: 'bot' | 'caller'; text: string }): void {
    this.journal.said(line);
    this.journal.save();
  }

  /** Reports the outcome to Jupiter (and the order's new status), stores the journal, and ends. */
  async complete(decision: Decision, details: { reportFields: Record<string, unknown>; orderStatus?: string; riderCallId?: string }): Promise<CallResult> {
    this.decision = decision;
    this.conversation.close();
    this.lifecycle.end(ORCHESTRATOR, decision.outcome);
    this.state.outcome = decision.outcome;
    upsertSearchAttributes([{ key: OutcomeKey, value: decision.outcome }]);
    this.journal.event('outcome', { ...decision });
    this.setStatus('REPORTING', `outcome ${decision.outcome}`);

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
      riderCallId: details.riderCallId,
    };
    result.reportStatus = await this.reporter.deliver({
      kind: 'result',
      method: 'POST',
      path: '/api/voice-calls/result',
      payload: {
        call_id: this.callId,
        call_sid: result.callSid ?? null,
        call_type: this.spec.callType,
        status: decision.outcome,
        business_key: this.spec.businessKey,
        // Jupiter learns who rang from the report (nothing it sent us names the caller). Outbound
        // reports keep their shape: no direction field means a call Jupiter asked for.
        ...(this.input.inbound ? { direction: 'inbound', caller_phone: this.input.inbound.from } : {}),
        ...details.reportFields,
        digits: result.digits,
        prep_time_minutes: decision.prepTimeMinutes ?? null,
        rejection_reason: decision.rejectionReason ?? null,
        answered_at: result.answeredAt ?? null,
        attempts: result.attempts,
      },
    });
    this.state.reportStatus = result.reportStatus;
    upsertSearchAttributes([{ key: ReportStatusKey, value: result.reportStatus }]);

    if (details.orderStatus) {
      const path = this.input.jupiterOrderPath.replace('{order_id}', encodeURIComponent(this.spec.businessKey));
      const delivery = await this.reporter.deliver({
        kind: 'order_update',
        method: 'PATCH',
        path,
        payload: { status: details.orderStatus, prep_time_minutes: decision.prepTimeMinutes ?? null, call_id: this.callId },
      });
      this.journal.event('order_updated', { status: details.orderStatus, delivery });
    }

    this.state.result = result;
    this.setStatus('COMPLETED', `${decision.outcome}; report ${result.reportStatus}`);
    await this.journal.flushed();
    await condition(allHandlersFinished);
    return result;
  }

  /** The CallStatus search attribute, the UI's current details, and a save of the call's row. */
  setStatus(status: CallStatus, details: string): void {
    this.state.status = status;
    upsertSearchAttributes([{ key: CallStatusKey, value: status }]);
    setCurrentDetails(`**${status}**: ${details}`);
    this.journal.save();
  }

  private record() {
    return {
      callId: this.callId,
      callType: this.spec.callType,
      businessKey: this.spec.businessKey,
      partyId: this.spec.partyId,
      // An inbound caller's number is kept in full only in the (encrypted) workflow input and Jupiter's report.
      calleePhone: this.input.inbound ? maskPhone(this.spec.calleePhone) : this.spec.calleePhone,
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
      lifecycle: this.lifecycle.record({ source: 'nerve' }),
    };
  }
}
