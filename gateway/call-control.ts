// How provider webhooks reach a call's workflow: signals for status, an update for keys
// (which returns the next prompt in the same round trip), a query for the current prompt.
// Every Temporal call has a deadline: a stalled workflow or an unreachable server becomes a
// 503 with Retry-After (the provider retries; the media session re-sends or re-arms), never
// a request held open forever.
import { ApplicationFailure, type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { callSidKey, callTypeKey, promptKey } from '../lib/keys';
import { loadConfig } from '../lib/config';
import { readStream } from '../lib/stream-liveness';
import type { AgentControl, CallControl, HandoffState, InboundCallRequest, InboundStart } from '../providers/types';
import type { Cache } from '../lib/cache';
import { HttpError } from '../lib/http-error';
import { timed, turnRoundTripSeconds } from '../lib/metrics';
import {
  type AgentDirective, agentConversationQuery, agentDirectiveUpdate, runToolUpdate, type ToolCallRequest, type ToolCallResult, transcriptSignal, type TranscriptLine,
  callStateQuery, CallTypeKey, type DigitsInput, InputRejection, nextPromptUpdate, type NextPromptWatch, promptInterruptedSignal, type PromptInterruptedEvent, providerStatusSignal,
  type ProviderStatusEvent, submitDigitsUpdate, submitUtteranceUpdate, type UtteranceInput, agentLegUpdate, callContextQuery,
} from '../workflows/messages';
import type { AgentLegAnswer, AgentLegEvent } from '../workflows/lifecycle-types';
import type { CallType, NextPrompt } from '../workflows/types';
import { InboundCalls } from './inbound';
import { CallIdSchema } from './schemas';
import { temporalRetryLater } from './temporal-errors';

const PROMPT_TTL_SECONDS = 3600;

export interface Deadlines {
  /** Signals, queries and the updates that carry a caller's input. */
  updateMs: number;
  /** The prompt watch, a long poll the media session re-arms when it runs out. */
  watchMs: number;
}

export class TemporalCallControl implements CallControl, AgentControl {
  private readonly inbound: InboundCalls;

  constructor(
    private readonly client: Client,
    private readonly cache: Cache,
    private readonly deadlines: Deadlines = { updateMs: loadConfig().UPDATE_DEADLINE_MS, watchMs: loadConfig().PROMPT_WATCH_DEADLINE_MS },
  ) {
    this.inbound = new InboundCalls({
      client,
      cache,
      config: loadConfig(),
      timed: (call) => this.timed(deadlines.updateMs, call),
      firstPrompt: (callId, callSid) => this.firstPrompt(callId, callSid),
    });
  }

  startInbound(call: InboundCallRequest): Promise<InboundStart> {
    return this.inbound.start(call);
  }

  /** A keypad call that rang in: its first prompt, as soon as the workflow has it ready (one update). */
  private async firstPrompt(callId: string, callSid: string): Promise<NextPrompt> {
    const first = await this.update(callId, this.deadlines.updateMs, () =>
      this.client.workflow.getHandle(callId).executeUpdate(nextPromptUpdate, { args: [{ callSid, afterSeq: 0 }], updateId: `first-prompt:${callSid}` }),
    );
    await this.cache.set(promptKey(callSid), JSON.stringify(first), PROMPT_TTL_SECONDS);
    return first;
  }

  /** Runs one Temporal call under a deadline; a timeout or an unreachable server is a 503. */
  private async timed<T>(ms: number, call: () => Promise<T>): Promise<T> {
    try {
      return await this.client.withDeadline(Date.now() + ms, call);
    } catch (err) {
      throw temporalRetryLater(err) ?? err;
    }
  }

  async streamEnded(callId: string): Promise<'resume' | 'end'> {
    const mark = await readStream(this.cache, callId);
    if (mark === 'closed' || mark === 'closed-by-us') return 'end'; // a living gateway closed it: the goodbye, or the caller left
    // Handed to a person: the bot closed its stream for the flow to go on to the agent.
    if ((await this.handoffState(callId))?.awaitingAgent) return 'end';
    try {
      const { status } = await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).describe());
      return status.name === 'RUNNING' ? 'resume' : 'end';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return 'end';
      throw err;
    }
  }

  async resolveCallId(callSid: string, hint?: string): Promise<string | undefined> {
    const known = await this.cache.get(callSidKey(callSid));
    if (known) return known;
    return hint && CallIdSchema.safeParse(hint).success ? hint : undefined;
  }

  async reportStatus(callId: string, event: ProviderStatusEvent): Promise<'accepted' | 'finished' | 'unknown'> {
    const handle = this.client.workflow.getHandle(callId);
    try {
      await this.timed(this.deadlines.updateMs, () => handle.signal(providerStatusSignal, event));
      return 'accepted';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // A closed workflow cannot take signals: a late duplicate is fine, an unknown id is not.
      return (await this.exists(callId)) ? 'finished' : 'unknown';
    }
  }

  async submitDigits(callId: string, input: DigitsInput, requestId: string): Promise<NextPrompt> {
    const next = await timedTurn('digits', () =>
      this.update(callId, this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).executeUpdate(submitDigitsUpdate, { args: [input], updateId: requestId })),
    );
    await this.cache.set(promptKey(input.callSid), JSON.stringify(next), PROMPT_TTL_SECONDS);
    return next;
  }

  submitUtterance(callId: string, input: UtteranceInput, requestId: string): Promise<NextPrompt> {
    return timedTurn('speech', () =>
      this.update(callId, this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).executeUpdate(submitUtteranceUpdate, { args: [input], updateId: requestId })),
    );
  }

  async promptInterrupted(callId: string, event: PromptInterruptedEvent): Promise<void> {
    await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).signal(promptInterruptedSignal, event));
  }

  watchPrompt(callId: string, watch: NextPromptWatch): Promise<NextPrompt> {
    // One id per (stream, position): a watch re-armed by the same stream joins the first.
    const updateId = `watch:${watchKey(watch)}`;
    return this.update(callId, this.deadlines.watchMs, () => this.client.workflow.getHandle(callId).executeUpdate(nextPromptUpdate, { args: [watch], updateId }));
  }

  async callType(callId: string): Promise<CallType | undefined> {
    const known = await this.cache.get(callTypeKey(callId));
    if (known) return known as CallType;
    try {
      // The CallType search attribute is set at start and read from the server: no worker has to answer.
      const description = await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).describe());
      const callType = description.typedSearchAttributes.get(CallTypeKey) as CallType | undefined;
      if (callType) await this.cache.set(callTypeKey(callId), callType, PROMPT_TTL_SECONDS);
      return callType;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  runTool(callId: string, request: ToolCallRequest): Promise<ToolCallResult> {
    // The model's call id names the update: a re-sent tool call joins the first, even from another gateway.
    const updateId = `tool:${request.callSid}:${request.toolCallId}`;
    return this.update(callId, this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).executeUpdate(runToolUpdate, { args: [request], updateId }));
  }

  async recordTranscript(callId: string, line: TranscriptLine): Promise<void> {
    await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).signal(transcriptSignal, line));
  }

  watchAgentDirective(callId: string, watch: NextPromptWatch): Promise<AgentDirective> {
    const updateId = `directive:${watchKey(watch)}`;
    return this.update(callId, this.deadlines.watchMs, () => this.client.workflow.getHandle(callId).executeUpdate(agentDirectiveUpdate, { args: [watch], updateId }));
  }

  async agentConversation(callId: string): Promise<TranscriptLine[]> {
    try {
      return await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).query(agentConversationQuery));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return [];
      throw err;
    }
  }

  /** Maps a rejected update to the HTTP answer the provider gets. */
  private async update<T>(callId: string, deadlineMs: number, send: () => Promise<T>): Promise<T> {
    try {
      return await this.timed(deadlineMs, send);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new HttpError(404, 'unknown_call', `no running call ${callId}`);
      if (err instanceof WorkflowUpdateFailedError) {
        const reason = err.cause?.message ?? err.message;
        const type = err.cause instanceof ApplicationFailure ? err.cause.type : undefined;
        if (type === InputRejection.invalid) throw new HttpError(400, 'invalid_input', reason);
        if (type === InputRejection.unknownCallSid) throw new HttpError(404, 'unknown_call', reason);
        throw new HttpError(409, 'not_accepting_input', reason);
      }
      throw err;
    }
  }

  async handoffWhisper(callId: string): Promise<string | undefined> {
    try {
      const context = await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).query(callContextQuery));
      return context.handoff?.snapshot.summary;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async handoffState(callId: string): Promise<HandoffState | undefined> {
    try {
      const context = await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).query(callContextQuery));
      const agent = context.handoff?.agent?.status;
      return { awaitingAgent: context.state === 'HANDED_OFF' && (agent === undefined || agent === 'ringing'), summary: context.handoff?.snapshot.summary, agentStatus: agent };
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  async agentLeg(callId: string, event: AgentLegEvent, callSid?: string): Promise<AgentLegAnswer> {
    // One answer per leg event: a retried callback joins the first.
    const answer = await this.update(callId, this.deadlines.updateMs, () =>
      this.client.workflow.getHandle(callId).executeUpdate(agentLegUpdate, { args: [event], updateId: `agent-leg:${event.status}` }));
    // A keypad caller back with the bot: the IVR's next prompt request (Exotel's Greeting) reads the question asked again.
    if (answer.prompt && callSid) await this.cache.set(promptKey(callSid), JSON.stringify(answer.prompt), PROMPT_TTL_SECONDS);
    return answer;
  }

  async currentPrompt(callId: string, callSid: string): Promise<NextPrompt | undefined> {
    const cached = await this.cache.get(promptKey(callSid));
    if (cached) return JSON.parse(cached) as NextPrompt;
    try {
      return (await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).query(callStateQuery))).prompt;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
  }

  private async exists(callId: string): Promise<boolean> {
    try {
      await this.timed(this.deadlines.updateMs, () => this.client.workflow.getHandle(callId).describe());
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }
}

/**
 * A watch's update id. A stream of its own gets its own ids: the same CallSid comes back on a new
 * stream (Exotel's flow back to the Voicebot), and Temporal answers a finished update's id with its
 * old result, which would replay prompts and directives the earlier stream already had.
 */
function watchKey(watch: NextPromptWatch): string {
  return watch.streamSid ? `${watch.callSid}:${watch.streamSid}:${watch.afterSeq}` : `${watch.callSid}:${watch.afterSeq}`;
}

/** A caller's input to the workflow and back as the next prompt, into nerve_turn_round_trip_seconds. */
function timedTurn(input: 'digits' | 'speech', turn: () => Promise<NextPrompt>): Promise<NextPrompt> {
  return timed(turnRoundTripSeconds, { input }, turn, (err) => (err instanceof HttpError && err.status === 503 ? 'timeout' : 'refused'));
}
