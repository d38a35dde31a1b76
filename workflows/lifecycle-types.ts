// The call lifecycle's plain data, shared by workflows, activities and the gateway. No runtime code here.
import type { NextPrompt } from './types';

/** Every call, whatever its type or audio stack, moves only forward through these. */
export type LifecycleState = 'CREATED' | 'ACTIVE' | 'HANDED_OFF' | 'ENDED';

/** Who asked for a transition: the orchestrator itself, an API caller, an operator, the rules, the model. */
export type Actor = string;

export interface LifecycleTransition {
  from: LifecycleState;
  to: LifecycleState;
  actor: Actor;
  reason?: string;
  at: string;
}

export interface HandoffInfo {
  reason: string;
  requestedBy: string;
  at: string;
  /** The context as it was when the call was handed off: what the human agent reads first. */
  snapshot: ContextSnapshot;
  /** How the human leg went; set by the provider's callbacks or the agent's disposition. */
  agent?: { status: 'ringing' | AgentLegEvent['status']; at: string };
  disposition?: Disposition;
}

export interface Disposition {
  outcome: string;
  notes?: string;
  agentId?: string;
}

export interface LifecycleView {
  callId: string;
  callType: string;
  state: LifecycleState;
  history: LifecycleTransition[];
  endReason?: string;
  handoff?: HandoffInfo;
}

export type Speaker = 'caller' | 'bot' | 'agent';

export interface TurnInput {
  turnId: string;
  speaker: Speaker;
  text: string;
  confidence?: number;
  language?: string;
  startedAt?: string;
}

export interface TurnReceipt {
  turnId: string;
  seq: number;
}

export interface SemanticEventInput {
  eventId: string;
  type: string;
  data: Record<string, unknown>;
}

export interface EventReceipt {
  eventId: string;
  seq: number;
}

export interface Turn extends TurnInput, TurnReceipt {
  at: string;
}

/** A lifecycle command from outside; `requestId` (the Idempotency-Key) makes a repeat return the first answer. */
export interface LifecycleCommand {
  actor: Actor;
  requestId?: string;
}

export interface EndCommand extends LifecycleCommand {
  reason: string;
}

export interface HandoffCommand extends LifecycleCommand {
  reason: string;
  requestedBy: string;
}

export interface DispositionCommand extends LifecycleCommand, Disposition {}

export interface ContextSnapshot {
  summary: string;
  entities: Record<string, string>;
  lastTurns: Turn[];
  /** 'model' when a language model wrote the summary, 'fallback' when it was built from the fields and turns. */
  source: 'model' | 'fallback';
  /** Turn count the summary covers. */
  turnsCovered: number;
}

export interface CallContext extends ContextSnapshot {
  callId: string;
  state: LifecycleState;
  history: LifecycleTransition[];
  handoff?: HandoffInfo;
}

/** Why the lifecycle refuses a command: the ApplicationFailure type its validator throws. */
export const LifecycleRejection = {
  /** The command does not fit the current state (out of order, a second end or handoff, a write to an ended call). */
  conflict: 'LifecycleConflict',
  /** The command itself is malformed. */
  invalid: 'LifecycleInvalid',
} as const;

/** What the registeredCall workflow (a call whose audio runs elsewhere) is started with. */
export interface RegisteredCallInput {
  callType: string;
  source: string;
  roomName: string;
  metadata: Record<string, unknown>;
  createdAt: string;
  context: ContextSettings;
  jupiterReport: { initialSeconds: number; maxSeconds: number };
  agentDesk: AgentDeskSettings;
}

export interface ContextSettings {
  /** A language model summarizes on the speech task queue; otherwise the deterministic fallback. */
  model: boolean;
  speechTaskQueue: string;
  /** The model refreshes the summary after this many new turns. */
  everyTurns: number;
  /** Misunderstood turns in a row before the rules hand the call to a person. */
  misunderstandingLimit: number;
}

export interface AgentDeskSettings {
  /** The agent desktop's webhook; none: the context is only on the agent page. */
  webhookUrl?: string;
}

/** How our own calls reach a person (set when HANDOFF_AGENT is configured; copied into the call's input). */
export interface TransferSettings {
  /** The agent's number (E.164) or SIP address (sip:...). */
  agent: string;
  /**
   * How the call reaches the person: the provider moves the live call (Twilio's call update, the
   * default) or the bot closes its stream and the provider's flow dials the agent (Exotel).
   */
  via?: 'call-update' | 'flow';
  ringSeconds: number;
  /** No agent answered: back to the bot, or a short message and goodbye. */
  noAgent: 'bot' | 'voicemail';
  voicemailText: string;
  /** How long after the human leg the call waits for the agent's disposition before it reports without one. */
  wrapUpSeconds: number;
  misunderstandingLimit: number;
  agentDesk: AgentDeskSettings;
  /** Keypad calls: the key that asks for a person where a menu offers it (absent: no key). */
  handoffKey?: string;
}

/** The agent leg's progress, from the provider's callbacks. */
export interface AgentLegEvent {
  status: 'answered' | 'completed' | 'no-answer' | 'busy' | 'failed';
}

/** What the provider should do with the caller after the agent leg's event. */
export interface AgentLegAnswer {
  next: 'continue' | 'hangup' | 'bot' | 'voicemail';
  /** The words for a voicemail message. */
  text?: string;
  /** Back to a keypad bot: the question asked again, which the provider's IVR plays next (its <Gather>, Exotel's Greeting). */
  prompt?: NextPrompt;
}
