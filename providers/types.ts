// The small interfaces every telephony provider implements. A provider folder holds its
// REST client (placing calls) and its webhook router (turning callbacks into CallControl calls).
import type { IncomingMessage } from 'node:http';
import type { Router } from 'express';
import type { z } from 'zod';
import type {
  AgentDirective, DigitsInput, NextPromptWatch, PromptInterruptedEvent, ProviderStatusEvent, ToolCallRequest, ToolCallResult, TranscriptLine, UtteranceInput,
} from '../workflows/messages';
import type { MediaStreamCodec } from './media-stream';
import type { CallMode, CallType, NextPrompt, PreparedPrompt, TerminalStatus } from '../workflows/types';
import type { AgentLegAnswer, AgentLegEvent } from '../workflows/lifecycle-types';

export interface PlaceCallRequest {
  callId: string;
  /** ivr: the provider's IVR flow plays prompts and collects keys; voicebot: a bidirectional media stream to our gateway. */
  mode: 'ivr' | 'voicebot';
  to: string;
  attempt: number;
  ringTimeoutSeconds: number;
  timeLimitSeconds: number;
}

export type ProviderCallStatus = 'queued' | 'ringing' | 'in-progress' | TerminalStatus;

/** What became of a request to move or end a live call: done, or the call had already ended. */
export type LiveCallChange = 'done' | 'call_over';

/** A warm handoff: move the live call to an agent, who hears the summary first. */
export interface AgentTransferRequest {
  callId: string;
  callSid: string;
  /** E.164 number or sip: address. */
  agent: string;
  ringSeconds: number;
  /** What the caller hears before the agent rings (a keypad caller taken out of a menu by an operator). */
  lead?: PreparedPrompt;
}

export interface TelephonyClient {
  /** Returns the provider's id for the new call. Throws ApplicationFailure (retryable or not). */
  placeCall(request: PlaceCallRequest): Promise<{ callSid: string }>;
  getCallStatus(callSid: string): Promise<ProviderCallStatus>;
  /**
   * Points a live call at a new media stream to our gateway (its old stream is gone). Missing
   * where the provider has no mid-call update (Exotel: its flow has to come back by itself).
   */
  reattachStream?(callSid: string, callId: string): Promise<LiveCallChange>;
  /** Ends a live call; missing where closing the stream already ends it. */
  hangUp?(callSid: string): Promise<LiveCallChange>;

  /** Moves a live call to a person (absent: the provider cannot move a call mid-way; its flow must). */
  transferToAgent?(request: AgentTransferRequest): Promise<void>;
}

/** A call we did not place, as the provider's first request for it describes it. */
export interface InboundCallRequest {
  /** The provider's registry name. */
  provider: string;
  callSid: string;
  /** The caller's number, as the provider writes it. */
  from: string;
  /** The number they dialled (one of ours), as the provider writes it. */
  to: string;
  /**
   * Set when the provider's flow has already decided how the call is carried (Exotel: its
   * Voicebot applet streams, its Greeting/Passthru flow takes keys); unset, the route decides (Twilio).
   */
  mode?: CallMode;
}

/** Why an inbound call is not taken: no route for the number, a bot the flow cannot carry, or a call that already ended. */
export type InboundRefusal = 'no_route' | 'mode_unsupported' | 'call_ended';

export type InboundStart =
  /** holdLine: the stream is bridged to a model and survives its gateway (the provider holds the line when it drops). */
  | { callId: string; mode: 'voicebot'; holdLine?: boolean }
  /** A keypad call: the first prompt the provider should play. */
  | { callId: string; mode: 'ivr'; prompt: NextPrompt }
  /** `refused` is the polite line to say before hanging up. */
  | { refused: string; reason: InboundRefusal };

/** What a provider's webhooks may ask of the orchestrator; implemented by the gateway. */
export interface CallControl {
  /** Finds our call id from the provider's CallSid and the id we sent along (CustomField). */
  resolveCallId(callSid: string, hint?: string): Promise<string | undefined>;
  /** 'finished' when the call already ended: a late duplicate, answered 200 and ignored. */
  reportStatus(callId: string, event: ProviderStatusEvent): Promise<'accepted' | 'finished' | 'unknown'>;
  /** Delivers keys and waits for the prompt to play next (one Temporal round trip). */
  submitDigits(callId: string, input: DigitsInput, requestId: string): Promise<NextPrompt>;
  currentPrompt(callId: string, callSid: string): Promise<NextPrompt | undefined>;
  /** Delivers a transcribed utterance and waits for what to say next. */
  submitUtterance(callId: string, input: UtteranceInput, requestId: string): Promise<NextPrompt>;
  promptInterrupted(callId: string, event: PromptInterruptedEvent): Promise<void>;
  /** Resolves with the first prompt the call plays after `afterSeq` (held open by media sessions). */
  watchPrompt(callId: string, watch: NextPromptWatch): Promise<NextPrompt>;
  /**
   * Starts the call's workflow for a call we did not place (or finds it: a retried first
   * request gets the same call), routed by the dialled number; or says why not.
   */
  startInbound(call: InboundCallRequest): Promise<InboundStart>;
  /**
   * A bridged call's stream has ended and the provider's flow asks what next (Exotel's Passthru
   * after the Voicebot applet): 'resume' when it was lost with its gateway and the call goes on
   * (open the stream again), 'end' when it was closed on purpose or the call is over.
   */
  streamEnded?(callId: string): Promise<'resume' | 'end'>;

  /** What the agent hears before the caller is bridged: the handoff's summary (undefined: no handoff). */
  handoffWhisper?(callId: string): Promise<string | undefined>;
  /**
   * The agent leg's progress; answers what to do with the caller next. `callSid`: the caller's call,
   * whose IVR then plays the answer's prompt (a keypad caller back from nobody answering).
   */
  agentLeg?(callId: string, event: AgentLegEvent, callSid?: string): Promise<AgentLegAnswer>;
  /** The call's handoff as the provider's flow needs it (Exotel's Passthru and Connect applet); undefined: no such call. */
  handoffState?(callId: string): Promise<HandoffState | undefined>;
}

export interface HandoffState {
  /** The call was handed off and no agent leg has ended yet: the flow should dial the agent. */
  awaitingAgent: boolean;
  /** What the agent hears first (the handoff's summary). */
  summary?: string;
  /** How the agent leg went, once the provider said. */
  agentStatus?: string;
}

/** What a media session bridged to a speech-to-speech model asks of the call's workflow. */
export interface AgentControl {
  /** What kind of call this is: a speech-to-speech call is bridged to the model instead of prompted. */
  callType(callId: string): Promise<CallType | undefined>;
  /** Runs a model's tool call in the call's workflow (once per toolCallId) and returns its output. */
  runTool(callId: string, request: ToolCallRequest): Promise<ToolCallResult>;
  /** Records one side of a speech-to-speech conversation. */
  recordTranscript(callId: string, line: TranscriptLine): Promise<void>;
  /** Resolves with the workflow's next directive to the session after `afterSeq` (the time-limit goodbye). */
  watchAgentDirective(callId: string, watch: NextPromptWatch): Promise<AgentDirective>;
  /** The conversation so far, to seed a new model session with. */
  agentConversation(callId: string): Promise<TranscriptLine[]>;
}

/** A provider's bidirectional media stream: its wire codec and how it authenticates the socket. */
export interface MediaStreamProvider {
  codec: MediaStreamCodec;
  /** Checks the WebSocket upgrade request (credentials, signature) before any frame is read. */
  authorizeUpgrade(request: IncomingMessage): boolean;
}

export interface TelephonyProviderModule<Env extends z.AnyZodObject = z.AnyZodObject> {
  /** Its key in the registry: the path segment of its webhooks (/webhooks/<name>) and stream (/media/<name>). */
  name: string;
  /** Its settings, merged into the configuration schema. */
  env: Env;
  /** Settings that are secrets with a working development default, refused outside local development. */
  devSecrets: readonly string[];
  /** Its other secrets (no default); these and devSecrets are cut out of every log line. */
  secrets: readonly string[];
  client(): TelephonyClient;
  /**
   * Its call flow takes a handed-off call to a person once the bot closes the media stream (Exotel:
   * Passthru, then a Connect applet whose dynamic URL we serve). Absent: only transferToAgent can.
   */
  handoffByFlow?: boolean;
  webhooks(control: CallControl): Router;
  stream?: MediaStreamProvider;
}
