// One lifecycle for every call: CREATED → ACTIVE → HANDED_OFF → ENDED. The call's workflow holds
// it and its update validators enforce the rules before anything enters history: a call ends
// once, is handed off at most once, takes nothing once ENDED, and refuses transitions out of
// order (LifecycleRejection.conflict, naming the current state). A repeated request id, turn id
// or event id is accepted and answered with the first result. Turns and semantic events go to
// the journal (the one path every turn takes, our bots' and outside stacks' alike) and feed the
// context and the handoff rules.
import { ApplicationFailure, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type * as agentDesk from '../../activities/agent-desk';
import {
  agentLegUpdate, callContextQuery, dispositionUpdate, endCallUpdate, handoffSignal, lifecycleQuery, lifecycleReceiptQuery, recordEventUpdate, recordTurnUpdate,
  requestHandoffUpdate, startCallUpdate,
} from '../messages';
import {
  type Actor, type AgentDeskSettings, type CallContext, type Disposition, type EventReceipt, type HandoffCommand, type HandoffInfo, LifecycleRejection,
  type LifecycleState, type LifecycleTransition, type LifecycleView, type SemanticEventInput, type Turn, type TurnInput, type TurnReceipt,
  type AgentLegAnswer, type AgentLegEvent, type TransferSettings,
} from '../lifecycle-types';
import type { CallContextKeeper } from './call-context';
import { HandoffEventTypes, type HandoffRules } from './handoff-rules';
import type { CallJournal } from './journal';

/** The orchestrator itself, as the actor of the transitions it makes. */
export const ORCHESTRATOR: Actor = 'orchestrator';

const MAX_TURN_TEXT = 4000;

export interface LifecycleOptions {
  callType: string;
  journal: CallJournal;
  context: CallContextKeeper;
  /** The API starts and ends the call (an outside voice stack drives it); our own bots start and end themselves. */
  externallyDriven: boolean;
  /** Automatic handoff; absent where the call has no way to a person. */
  rules?: HandoffRules;
  /** Where a handoff's context goes; absent: the call cannot be handed off (yet). */
  agentDesk?: AgentDeskSettings;
  /** Called after every change worth saving at once (the registered call saves its row). */
  changed?: () => void;
  /**
   * Moves the live call to the person (our own calls: the provider's transfer); an outside stack moves its own audio.
   * `backToBot`: nobody answered and the caller comes back; what the bot plays them (a keypad call's question asked again).
   */
  transfer?: { settings: TransferSettings; run: () => Promise<void>; backToBot?: () => Pick<AgentLegAnswer, 'prompt'> };
}

export class Lifecycle {
  readonly callId = workflowInfo().workflowId;
  private current: LifecycleState = 'CREATED';
  private readonly history: LifecycleTransition[] = [];
  private readonly receipts = new Map<string, unknown>();
  private handoff?: HandoffInfo;
  private delivery?: Promise<void>;
  /** From the handoff until the agent leg fails: the caller is with (or on the way to) a person. */
  private humanLeg = false;
  private endReason?: string;
  /** Nobody answered, back to the bot: one answer for every callback that says so (Twilio's status callback and <Dial action> may both). */
  private backToBot?: AgentLegAnswer;
  private readonly desk = proxyActivities<typeof agentDesk>({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '10s',
    // No attempt limit: the agent must get the context; the desk de-duplicates by Idempotency-Key.
    retry: { initialInterval: '1s', maximumInterval: '30s', backoffCoefficient: 2 },
  });

  constructor(private readonly options: LifecycleOptions) {
    const { journal, context, rules } = options;
    journal.onTurn = (turn) => {
      context.addTurn(turn);
      const reason = rules?.onTurn(turn);
      if (reason) this.autoHandoff(reason);
    };

    setHandler(lifecycleQuery, () => this.view());
    setHandler(callContextQuery, () => this.context());
    setHandler(lifecycleReceiptQuery, (key) => this.receipts.get(key));
    setHandler(startCallUpdate, (cmd) => this.once(`start:${cmd.requestId}`, cmd.requestId, () => {
      this.transition('ACTIVE', cmd.actor);
      return this.view();
    }), {
      validator: (cmd) => {
        if (this.seen(`start:${cmd.requestId}`)) return;
        this.requireDriven('started');
        this.require(this.current === 'CREATED', 'cannot start');
      },
    });
    setHandler(endCallUpdate, (cmd) => this.once(`end:${cmd.requestId}`, cmd.requestId, () => {
      this.end(cmd.actor, cmd.reason);
      return this.view();
    }), {
      validator: (cmd) => {
        if (this.seen(`end:${cmd.requestId}`)) return;
        this.requireDriven('ended');
        this.require(this.current !== 'ENDED', 'cannot end again');
      },
    });
    setHandler(requestHandoffUpdate, (cmd) => this.once(`handoff:${cmd.requestId}`, cmd.requestId, () => {
      this.handOff(cmd);
      return this.view();
    }), { validator: (cmd) => this.validateHandoff(cmd) });
    setHandler(handoffSignal, (cmd) => {
      try {
        this.validateHandoff(cmd);
      } catch (err) {
        journal.event('handoff_refused', { ...cmd, error: (err as Error).message });
        return;
      }
      if (this.seen(`handoff:${cmd.requestId}`)) return;
      this.once(`handoff:${cmd.requestId}`, cmd.requestId, () => {
        this.handOff(cmd);
        return this.view();
      });
    });
    setHandler(dispositionUpdate, (cmd) => this.once(`disposition:${cmd.requestId}`, cmd.requestId, () => {
      this.wrapUp(cmd.actor, { outcome: cmd.outcome, notes: cmd.notes, agentId: cmd.agentId });
      return this.view();
    }), {
      validator: (cmd) => {
        if (this.seen(`disposition:${cmd.requestId}`)) return;
        this.require(this.current === 'HANDED_OFF', 'takes a disposition only after a handoff');
      },
    });
    setHandler(agentLegUpdate, (event) => this.onAgentLeg(event), {
      validator: (_event: AgentLegEvent) => {
        this.require(this.current === 'HANDED_OFF' || (this.current === 'ENDED' && !!this.handoff), 'has no agent leg');
      },
    });
    setHandler(recordTurnUpdate, (turn) => this.once(`turn:${turn.turnId}`, turn.turnId, () => this.recordTurn(turn)), {
      validator: (turn) => {
        if (this.seen(`turn:${turn.turnId}`)) return;
        this.require(this.current !== 'ENDED', 'is read-only');
        this.require(this.current !== 'CREATED', 'takes turns only once started');
        if (!turn.text.trim() || turn.text.length > MAX_TURN_TEXT) throw ApplicationFailure.nonRetryable(`turn text must be 1-${MAX_TURN_TEXT} characters`, LifecycleRejection.invalid);
      },
    });
    setHandler(recordEventUpdate, (event) => this.once(`event:${event.eventId}`, event.eventId, () => this.recordEvent(event)), {
      validator: (event) => {
        if (this.seen(`event:${event.eventId}`)) return;
        this.require(this.current !== 'ENDED', 'is read-only');
      },
    });
  }

  get state(): LifecycleState {
    return this.current;
  }

  get handoffInfo(): HandoffInfo | undefined {
    return this.handoff;
  }

  /** The caller is with a person, or being connected to one. */
  get withHuman(): boolean {
    return this.humanLeg;
  }

  get ended(): boolean {
    return this.current === 'ENDED';
  }

  /** A handoff the call decides itself (the model's request): done when the rules of the lifecycle allow it. */
  tryHandoff(cmd: HandoffCommand): boolean {
    try {
      this.validateHandoff(cmd);
    } catch {
      return false;
    }
    this.handOff(cmd);
    return true;
  }

  /** The callee answered (our bots) or the outside stack said the call is live. */
  activate(actor: Actor = ORCHESTRATOR): void {
    if (this.current === 'CREATED') this.transition('ACTIVE', actor);
  }

  /** Ends the call (once; a second end changes nothing). */
  end(actor: Actor, reason: string): void {
    if (this.current === 'ENDED') return;
    this.endReason = reason;
    this.transition('ENDED', actor, reason);
  }

  /** The human agent's wrap-up: the disposition is kept with the handoff, and the call ends. */
  wrapUp(actor: Actor, disposition: Disposition): void {
    if (this.handoff) this.handoff.disposition = disposition;
    this.options.journal.event('disposition', { actor, ...disposition });
    this.end(actor, `disposition: ${disposition.outcome}`);
  }

  /** The human leg's progress, from the provider's callbacks of the agent leg. */
  agentLeg(status: NonNullable<HandoffInfo['agent']>['status']): void {
    if (!this.handoff) return;
    this.handoff.agent = { status, at: new Date().toISOString() };
    this.options.journal.event('agent_leg', { status });
    this.options.changed?.();
  }

  /** Records a turn (our bots' prompts and callers' words reach the journal directly; this is the API's way in). */
  recordTurn(turn: TurnInput): TurnReceipt {
    const stored = this.options.journal.said({ speaker: turn.speaker, text: turn.text, confidence: turn.confidence, language: turn.language }, turn.turnId, turn.startedAt);
    this.options.changed?.();
    return { turnId: turn.turnId, seq: stored.seq };
  }

  recordEvent(event: SemanticEventInput): EventReceipt {
    const seq = this.options.journal.semanticEvent(event.eventId, event.type, event.data);
    const { name, value } = event.data;
    if (event.type === 'entity_captured' && typeof name === 'string' && value !== undefined && value !== null) this.options.context.note(name, String(value));
    if (event.type === HandoffEventTypes.escalation || event.type === 'tool_used' && event.data.name === 'transfer_to_human') {
      this.autoHandoff(event.type === HandoffEventTypes.escalation ? 'escalation_event' : 'model_requested');
    } else {
      const reason = this.options.rules?.onEvent(event.type);
      if (reason) this.autoHandoff(reason);
    }
    this.options.changed?.();
    return { eventId: event.eventId, seq };
  }

  view(): LifecycleView {
    return { callId: this.callId, callType: this.options.callType, state: this.current, history: [...this.history], endReason: this.endReason, handoff: this.handoff };
  }

  context(): CallContext {
    return { callId: this.callId, ...this.options.context.snapshot(), state: this.current, history: [...this.history], handoff: this.handoff };
  }

  /** The lifecycle's copy on the call's row. */
  record(extra: { source?: string; roomName?: string; metadata?: Record<string, unknown> } = {}) {
    return { state: this.current, handoffReason: this.handoff?.reason, handoffAt: this.handoff?.at, endReason: this.endReason, ...extra };
  }

  private autoHandoff(reason: string): void {
    if (this.current !== 'ACTIVE' || !this.options.agentDesk) return;
    this.handOff({ actor: 'rules', reason, requestedBy: 'rules' });
  }

  /**
   * Takes the call to HANDED_OFF at once (so a concurrent second request is refused) with the
   * context as it is now, then, in the background, brings the summary up to date and sends it to
   * the agent's desk: the caller of the API does not wait on the desk.
   */
  private handOff(cmd: HandoffCommand): void {
    const handoff: HandoffInfo = { reason: cmd.reason, requestedBy: cmd.requestedBy, at: new Date().toISOString(), snapshot: this.options.context.snapshot() };
    this.handoff = handoff;
    this.humanLeg = true;
    this.transition('HANDED_OFF', cmd.actor, cmd.reason);
    this.delivery = this.deliverContext(handoff);
  }

  /** The agent leg's callbacks: the agent answered, hung up, or nobody answered (back to the bot or a message). */
  private onAgentLeg(event: AgentLegEvent): AgentLegAnswer {
    this.agentLeg(event.status);
    const settings = this.options.transfer?.settings;
    if (event.status === 'answered') return { next: 'continue' };
    if (event.status === 'completed') return { next: 'hangup' };
    this.humanLeg = false;
    if (settings?.noAgent === 'voicemail') return { next: 'voicemail', text: settings.voicemailText };
    return (this.backToBot ??= { next: 'bot', ...this.options.transfer?.backToBot?.() });
  }

  /** Resolves once the handoff's context has reached the agent's desk (the workflow waits on it before it closes). */
  async settled(): Promise<void> {
    await this.delivery;
  }

  private async deliverContext(handoff: HandoffInfo): Promise<void> {
    await this.options.context.refreshNow();
    handoff.snapshot = this.options.context.snapshot();
    this.options.changed?.();
    // The desk and the provider's transfer go together: a desk that is down must not keep the caller waiting.
    await Promise.all([this.deliverToDesk(this.options.agentDesk!, handoff).catch((err) => {
      // The desk refused the context for good (a 4xx): the agent page still has it.
      this.options.journal.event('agent_desk_refused', { error: (err as Error).message });
    }), this.moveCall()]);
  }

  private async moveCall(): Promise<void> {
    if (!this.options.transfer) return;
    try {
      await this.options.transfer.run();
    } catch (err) {
      // The provider refused the transfer: nobody will answer, so the caller stays with the bot.
      this.options.journal.event('transfer_failed', { error: (err as Error).message });
      this.agentLeg('failed');
      this.humanLeg = false;
    }
  }

  private deliverToDesk(desk: AgentDeskSettings, handoff: HandoffInfo) {
    return this.desk.deliverHandoffContext({
      callId: this.callId,
      idempotencyKey: `${this.callId}/handoff`,
      url: desk.webhookUrl,
      payload: {
        call_id: this.callId,
        call_type: this.options.callType,
        reason: handoff.reason,
        requested_by: handoff.requestedBy,
        handed_off_at: handoff.at,
        summary: handoff.snapshot.summary,
        entities: handoff.snapshot.entities,
        last_turns: handoff.snapshot.lastTurns.map((t) => ({ seq: t.seq, speaker: t.speaker, text: t.text, at: t.at })),
      },
    });
  }

  private validateHandoff(cmd: HandoffCommand): void {
    if (this.seen(`handoff:${cmd.requestId}`)) return;
    if (!cmd.reason.trim()) throw ApplicationFailure.nonRetryable('a handoff needs a reason', LifecycleRejection.invalid);
    if (this.current === 'HANDED_OFF') this.conflict('is already handed off');
    this.require(this.current === 'ACTIVE', 'can be handed off only while active');
    if (!this.options.agentDesk) this.conflict('has no handoff path for this call type');
  }

  private transition(to: LifecycleState, actor: Actor, reason?: string): void {
    const entry: LifecycleTransition = { from: this.current, to, actor, reason, at: new Date().toISOString() };
    this.current = to;
    this.history.push(entry);
    // The audit log: every transition with who made it.
    this.options.journal.event('lifecycle', { ...entry });
    this.options.changed?.();
  }

  private seen(key: string): boolean {
    return !key.endsWith(':undefined') && this.receipts.has(key);
  }

  private once<T>(key: string, id: string | undefined, run: () => T): T {
    if (id !== undefined && this.receipts.has(key)) return this.receipts.get(key) as T;
    const result = run();
    if (id !== undefined) this.receipts.set(key, result);
    return result;
  }

  private requireDriven(what: string): void {
    if (!this.options.externallyDriven) this.conflict(`is ${what} by the orchestrator itself, not through the API`);
  }

  private require(ok: boolean, what: string): void {
    if (!ok) this.conflict(what);
  }

  private conflict(what: string): never {
    throw ApplicationFailure.nonRetryable(`call ${this.callId} is ${this.current}: it ${what}`, LifecycleRejection.conflict, { state: this.current });
  }
}
