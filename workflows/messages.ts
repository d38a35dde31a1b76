// Messages a call workflow accepts, declared once and imported by the workflows and the gateway.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CallState, NextPrompt, TerminalStatus } from './types';
import type {
  AgentLegAnswer, AgentLegEvent, CallContext, DispositionCommand, EndCommand, EventReceipt, HandoffCommand, LifecycleCommand, LifecycleView, SemanticEventInput, TurnInput, TurnReceipt,
} from './lifecycle-types';

/** A provider's status callback: the callee answered, or the call attempt ended. */
export interface ProviderStatusEvent {
  callSid: string;
  event: 'answered' | 'terminal';
  status?: TerminalStatus;
  /** Set when a media session reports its stream ended (a transfer to a person also ends it). */
  source?: 'media-stream';
  /** The provider said the call itself ended (Exotel's stop "callended"): the caller hung up, even during a handoff. */
  callEnded?: boolean;
  /** The media stream this report is about (a call back from a handoff has a new one). */
  streamSid?: string;
}
export const providerStatusSignal = defineSignal<[ProviderStatusEvent]>('providerStatus');

/** Keys the callee pressed (empty string = no input). Returns the prompt to play next. */
export interface DigitsInput {
  callSid: string;
  digits: string;
}
export const submitDigitsUpdate = defineUpdate<NextPrompt, [DigitsInput]>('submitDigits');

/** Why a call refuses keys, an utterance or a prompt watch: the ApplicationFailure type it rejects with. */
export const InputRejection = {
  /** Malformed input (e.g. not keypad characters). */
  invalid: 'InvalidInput',
  /** The CallSid is not the attempt the call is on. */
  unknownCallSid: 'UnknownCallSid',
  /** The call has its outcome and takes no more input. */
  callOver: 'CallNotAcceptingInput',
} as const;

/** A transcribed utterance from a media stream. Returns what to say next (one round trip). */
export interface UtteranceInput {
  callSid: string;
  text: string;
  confidence: number;
  language: string;
  durationMs: number;
}
export const submitUtteranceUpdate = defineUpdate<NextPrompt, [UtteranceInput]>('submitUtterance');

/** The callee talked over a prompt: how much of it they heard before the gateway stopped it. */
export interface PromptInterruptedEvent {
  callSid: string;
  promptId: string;
  heardMs: number;
  totalMs: number;
}
export const promptInterruptedSignal = defineSignal<[PromptInterruptedEvent]>('promptInterrupted');

/**
 * Held open by the media gateway: returns as soon as the call plays a prompt after `afterSeq`,
 * including prompts nobody asked for (a reprompt after silence, the time-limit goodbye).
 */
export interface NextPromptWatch {
  callSid: string;
  afterSeq: number;
  /**
   * The stream holding the watch. A new stream on the same call (Exotel's flow back to the
   * Voicebot, a re-attached stream) watches afresh instead of joining its predecessor's watches,
   * which Temporal would answer with their old results (same CallSid, same position).
   */
  streamSid?: string;
}
export const nextPromptUpdate = defineUpdate<NextPrompt, [NextPromptWatch]>('nextPrompt');

export const callStateQuery = defineQuery<CallState>('callState');

/**
 * A function call from the speech-to-speech model, relayed by the gateway. The workflow runs the
 * tool once per toolCallId (the model's call_id) and returns the output the gateway sends back
 * as function_call_output. `arguments` is the model's JSON text, validated by the workflow.
 */
export interface ToolCallRequest {
  callSid: string;
  toolCallId: string;
  name: string;
  arguments: string;
}
export interface ToolCallResult {
  /** JSON text for function_call_output: the tool's answer, or {"error": ...} the model can act on. */
  output: string;
  /** The tool ended the conversation (e.g. a transfer): the gateway says the reply, then hangs up. */
  endCall?: boolean;
}
export const runToolUpdate = defineUpdate<ToolCallResult, [ToolCallRequest]>('runTool');

/** One side of a speech-to-speech conversation, transcribed (caller) or as spoken (agent). */
export interface TranscriptLine {
  callSid: string;
  /** The Realtime item id: a line re-sent after a reconnect is recorded once. */
  itemId: string;
  speaker: 'caller' | 'agent';
  text: string;
  /** Set when the caller cut the agent off: only this much of the agent's audio was heard. */
  heardMs?: number;
}
export const transcriptSignal = defineSignal<[TranscriptLine]>('transcript');

/**
 * What the workflow wants of a speech-to-speech session, held open by the gateway like the
 * prompt watch: say goodbye and hang up (time limit), or let go of the caller for the provider's
 * flow to take them to a person (Exotel's handoff).
 */
export type AgentDirective =
  | {
    seq: number;
    kind: 'goodbye';
    /** The words to say before hanging up. */
    text: string;
  }
  | {
    seq: number;
    kind: 'hand-over';
    /** The hold line to say before the stream closes; absent: the model's own last words (its transfer tool's reply) finish first. */
    text?: string;
  };
export const agentDirectiveUpdate = defineUpdate<AgentDirective, [NextPromptWatch]>('agentDirective');

/** The conversation so far, for seeding a new speech-to-speech session after a reconnect. */
export const agentConversationQuery = defineQuery<TranscriptLine[]>('agentConversation');

/** The workflow id of an inbound call: derived from the provider's CallSid, so a retried webhook finds it. */
export function inboundCallId(provider: string, callSid: string): string {
  return `inbound-${provider}-${callSid}`;
}

// Custom search attributes, registered with the server by scripts/temporal.ts.
/** Every call's business key (order, lead or questionnaire key); OrderId is set on order calls only. */
export const BusinessKeyKey = defineSearchAttributeKey('BusinessKey', SearchAttributeType.KEYWORD);
export const OrderIdKey = defineSearchAttributeKey('OrderId', SearchAttributeType.KEYWORD);
export const CallTypeKey = defineSearchAttributeKey('CallType', SearchAttributeType.KEYWORD);
export const CallStatusKey = defineSearchAttributeKey('CallStatus', SearchAttributeType.KEYWORD);
export const OutcomeKey = defineSearchAttributeKey('Outcome', SearchAttributeType.KEYWORD);
export const VendorIdKey = defineSearchAttributeKey('VendorId', SearchAttributeType.KEYWORD);
export const RiderIdKey = defineSearchAttributeKey('RiderId', SearchAttributeType.KEYWORD);
export const ReportStatusKey = defineSearchAttributeKey('ReportStatus', SearchAttributeType.KEYWORD);
/** 'inbound' (a caller rang one of our numbers) or 'outbound' (we dialled); never a phone number. */
export const DirectionKey = defineSearchAttributeKey('Direction', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [BusinessKeyKey, OrderIdKey, CallTypeKey, CallStatusKey, OutcomeKey, VendorIdKey, RiderIdKey, ReportStatusKey, DirectionKey];

/** Workflow ids derive from the business key, so a repeated request finds the existing call. */
export function callIdFor(callType: string, businessKey: string): string {
  return `${callType}-${businessKey}`;
}

// The call lifecycle (CREATED → ACTIVE → HANDED_OFF → ENDED), held by every call workflow
// (workflows/engine/lifecycle.ts). Validators refuse what does not fit the current state with
// LifecycleRejection.conflict; a repeated requestId / turnId / eventId gets the first answer.
export const startCallUpdate = defineUpdate<LifecycleView, [LifecycleCommand]>('lifecycleStart');
export const endCallUpdate = defineUpdate<LifecycleView, [EndCommand]>('lifecycleEnd');
export const requestHandoffUpdate = defineUpdate<LifecycleView, [HandoffCommand]>('lifecycleHandoff');
/** An operator's handoff from the Temporal UI (a signal needs no answer). */
export const handoffSignal = defineSignal<[HandoffCommand]>('handoff');
/** The human agent's wrap-up after a handoff: ends the call. */
export const dispositionUpdate = defineUpdate<LifecycleView, [DispositionCommand]>('lifecycleDisposition');
export const recordTurnUpdate = defineUpdate<TurnReceipt, [TurnInput]>('recordTurn');
export const recordEventUpdate = defineUpdate<EventReceipt, [SemanticEventInput]>('recordEvent');
export const lifecycleQuery = defineQuery<LifecycleView>('lifecycle');
export const callContextQuery = defineQuery<CallContext>('callContext');
/** The first answer to a request id, turn id or event id (for repeats that arrive after the call closed). */
export const lifecycleReceiptQuery = defineQuery<unknown, [string]>('lifecycleReceipt');

/** The agent leg of a handed-off call (the provider's callbacks): returns what to do with the caller next. */
export const agentLegUpdate = defineUpdate<AgentLegAnswer, [AgentLegEvent]>('agentLeg');

/** The workflow id of a call registered from outside (its audio runs elsewhere). */
export function registeredCallId(key: string): string {
  return `call-${key}`;
}
