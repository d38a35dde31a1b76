// Messages a call workflow accepts, declared once and imported by the workflows and the gateway.
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import type { CallState, NextPrompt, TerminalStatus } from './types';

/** A provider's status callback: the callee answered, or the call attempt ended. */
export interface ProviderStatusEvent {
  callSid: string;
  event: 'answered' | 'terminal';
  status?: TerminalStatus;
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
}
export const nextPromptUpdate = defineUpdate<NextPrompt, [NextPromptWatch]>('nextPrompt');

export const callStateQuery = defineQuery<CallState>('callState');

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

export const SEARCH_ATTRIBUTE_KEYS = [BusinessKeyKey, OrderIdKey, CallTypeKey, CallStatusKey, OutcomeKey, VendorIdKey, RiderIdKey, ReportStatusKey];

/** Workflow ids derive from the business key, so a repeated request finds the existing call. */
export function callIdFor(callType: string, businessKey: string): string {
  return `${callType}-${businessKey}`;
}
