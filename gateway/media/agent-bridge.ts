// Bridges one call's media stream to a speech-to-speech model session (OpenAI Realtime). Audio
// flows straight between the two; the call's workflow gets what must be durable: the model's
// tool calls (run there once per call id, their output sent back here), both sides of the
// transcript, and the directives it gives (say goodbye at the time limit; hand the caller over to
// the provider's flow, which dials a person). When the model's socket drops, a new session is
// opened and seeded with the conversation the workflow kept.
import type { Logger } from 'pino';
import { HttpError } from '../../lib/http-error';
import type { AgentControl } from '../../providers/types';
import type { RealtimeAudioConverter } from '../../speech/realtime/audio';
import {
  appendAudio, type ClientEvent, conversationItem, functionCallOutput, type RealtimeTool, responseCancel, responseCreate, type ServerEvent, sessionUpdate, truncate,
} from '../../speech/realtime/protocol';
import type { AgentDirective, ToolCallRequest, TranscriptLine } from '../../workflows/messages';
import type { AgentVoice } from './agent-voice';

/** An open model session: what the bridge needs of the Realtime client. */
export interface RealtimeLink {
  send(event: ClientEvent): void;
  close(): void;
  onEvent(listener: (event: ServerEvent) => void): void;
  /** Called once when the socket closes, whoever closed it. */
  onClose(listener: () => void): void;
}

export interface AgentBridgeDeps {
  agent: AgentControl;
  connect(): Promise<RealtimeLink>;
  instructions(): string;
  voice: string;
  tools: readonly RealtimeTool[];
  log: Logger;
}

/** The call's side of the bridge, owned by the media session. */
export interface AgentLine {
  callId: string;
  callSid: string;
  /** This stream's id: its directive watches are its own, not a predecessor's on the same call. */
  streamSid?: string;
  audio: RealtimeAudioConverter;
  voice: AgentVoice;
  /** Ends the stream after the agent's last words: the provider's flow hangs up. */
  hangUp(reason: string): void;
  /** Ends the stream for the provider's flow to take the caller to a person (marked handed over, not hung up). */
  letGo(reason: string): void;
  /** Each transcript line as it is recorded, for a caller with a screen (the simulator). */
  onTranscript?(line: Pick<TranscriptLine, 'speaker' | 'text'>): void;
}

const RECONNECT_DELAYS_MS = [250, 1000, 3000];
/** A tool call the workflow could not take in time (503) is re-sent under the same id this many times. */
const TOOL_RETRIES = 5;
/** The agent's last words get this long before the line is closed regardless. */
const GOODBYE_LIMIT_MS = 20_000;
// Also how a caller comes back after no colleague answered a handoff (a new stream, like a recovery).
const RESUME_INSTRUCTIONS = 'The call was interrupted for a moment (the line dropped, or no colleague was free to take it) and you are back with the same caller. Say briefly "Sorry about that, where were we?" and carry on from the conversation so far.';

export class AgentBridge {
  private link?: RealtimeLink;
  private closed = false;
  private reconnects = 0;
  /** Agent lines whose audio has not finished playing: recorded when heard out or cut off. */
  private readonly unspoken = new Map<string, string>();
  /** Function calls of each response, answered together when the response is done. */
  private readonly toolCalls = new Map<string, { call_id: string; name: string; arguments: string }[]>();
  /** The last words are on their way: once they have played the stream closes (hung up, or let go to a person). */
  private ending = false;
  private handingOver = false;
  private responding = false;
  /** response.create sent and not yet created, and tool calls still out: more words may come. */
  private requested = 0;
  private toolsOut = 0;
  private directiveSeq = 0;
  /** Caller audio converted this turn of the event loop, sent when it ends (see sendCallerAudio). */
  private unsentAudio: Buffer[] = [];

  constructor(
    private readonly line: AgentLine,
    private readonly deps: AgentBridgeDeps,
  ) {}

  async start(): Promise<void> {
    void this.watchDirectives();
    try {
      await this.open();
    } catch (err) {
      this.deps.log.warn({ callId: this.line.callId, err: (err as Error).message }, 'could not open the model session');
      await this.reconnect();
    }
  }

  /** Caller audio, as the provider sent it. Dropped while the model's socket is being replaced. */
  onCallerAudio(payload: Buffer): void {
    if (!this.link || this.handingOver) return; // a caller being handed to a person is not answered by the model any more
    if (this.unsentAudio.push(this.line.audio.toRealtimeBytes(payload)) === 1) queueMicrotask(this.sendCallerAudio);
  }

  /**
   * One append per frame normally; frames that came in one socket read (the process running late)
   * go as one append, so a busy gateway sends fewer, larger messages instead of falling further behind.
   */
  private readonly sendCallerAudio = (): void => {
    const audio = this.unsentAudio.length === 1 ? this.unsentAudio[0] : Buffer.concat(this.unsentAudio);
    this.unsentAudio = [];
    this.link?.send(appendAudio(audio.toString('base64')));
  };

  close(): void {
    this.closed = true;
    this.flushUnspoken();
    this.link?.close();
    this.line.voice.stop();
  }

  private async open(): Promise<void> {
    const conversation = await this.deps.agent.agentConversation(this.line.callId);
    const link = await this.deps.connect();
    if (this.closed) return link.close();
    this.link = link;
    link.onEvent((event) => this.onEvent(event));
    link.onClose(() => this.onLinkClosed(link));
    link.send(sessionUpdate({ instructions: this.deps.instructions(), voice: this.deps.voice, tools: this.deps.tools, format: this.line.audio.format }));
    // A new session knows nothing: give it the conversation so far, and have it pick up from there.
    for (const said of conversation) link.send(conversationItem(said.speaker === 'agent' ? 'assistant' : 'user', said.text));
    this.requestResponse(conversation.length > 0 ? RESUME_INSTRUCTIONS : undefined);
  }

  private requestResponse(instructions?: string): void {
    if (!this.link) return;
    this.requested++;
    this.link.send(responseCreate(instructions));
  }

  private onLinkClosed(link: RealtimeLink): void {
    if (this.link !== link) return;
    this.link = undefined;
    this.responding = false;
    this.requested = 0;
    if (this.closed) return;
    this.flushUnspoken();
    this.line.voice.interrupt();
    void this.reconnect();
  }

  /** Reopens the model session with a short backoff; a model that stays away ends the call. */
  private async reconnect(): Promise<void> {
    while (!this.closed) {
      if (this.reconnects >= RECONNECT_DELAYS_MS.length) {
        this.deps.log.error({ callId: this.line.callId }, 'model session lost and could not be reopened; ending the call');
        return this.line.hangUp('model unavailable');
      }
      const delay = RECONNECT_DELAYS_MS[this.reconnects++];
      this.deps.log.warn({ callId: this.line.callId, attempt: this.reconnects }, 'model session dropped; reopening it');
      await new Promise((resolve) => setTimeout(resolve, delay));
      if (this.closed) return;
      try {
        return await this.open();
      } catch (err) {
        this.deps.log.warn({ callId: this.line.callId, err: (err as Error).message }, 'could not reopen the model session');
      }
    }
  }

  private onEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'input_audio_buffer.speech_started':
        return this.onBargeIn();
      case 'response.output_audio.delta':
        return this.line.voice.push(event.item_id, this.line.audio.fromRealtime(event.delta));
      case 'response.output_audio.done':
        return this.line.voice.flush();
      case 'response.output_audio_transcript.done':
        this.unspoken.set(event.item_id, event.transcript);
        return;
      case 'conversation.item.input_audio_transcription.completed':
        return this.record({ itemId: event.item_id, speaker: 'caller', text: event.transcript });
      case 'response.output_item.done':
        if (event.item.type === 'function_call' && event.item.call_id && event.item.name) {
          const calls = this.toolCalls.get(event.response_id) ?? [];
          calls.push({ call_id: event.item.call_id, name: event.item.name, arguments: event.item.arguments ?? '' });
          this.toolCalls.set(event.response_id, calls);
        }
        return;
      case 'response.created':
        this.responding = true;
        this.requested = Math.max(0, this.requested - 1);
        return;
      case 'response.done':
        this.responding = false;
        this.reconnects = 0; // the session works: a later drop gets the full backoff again
        return void this.onResponseDone(event.response.id);
      case 'error':
        this.deps.log.warn({ callId: this.line.callId, error: event.error }, 'model session error');
        return;
      default:
        return;
    }
  }

  /** The caller talks over the agent: silence it now and make the model forget what was not heard. */
  private onBargeIn(): void {
    const heard = this.line.voice.interrupt();
    if (!heard) return;
    this.link?.send(truncate(heard.itemId, 0, heard.heardMs));
    const text = this.unspoken.get(heard.itemId);
    this.unspoken.delete(heard.itemId);
    if (text) this.record({ itemId: heard.itemId, speaker: 'agent', text, heardMs: heard.heardMs });
    this.flushUnspoken();
  }

  private async onResponseDone(responseId: string): Promise<void> {
    const calls = this.toolCalls.get(responseId) ?? [];
    this.toolCalls.delete(responseId);
    if (calls.length > 0) {
      this.toolsOut++;
      const results = await Promise.all(calls.map((call) => this.runTool(call))).finally(() => this.toolsOut--);
      if (this.closed || !this.link) return;
      calls.forEach((call, i) => this.link!.send(functionCallOutput(call.call_id, results[i].output)));
      this.requestResponse();
      if (results.some((r) => r.endCall)) this.ending = true; // the reply to this output is the last thing said
      return;
    }
    await this.line.voice.whenDrained();
    this.flushUnspoken();
    // A response cut off for the last words (its done arrives after the cancel) is not the last words.
    if (this.ending && !this.closed && !this.moreToSay()) this.endLine('conversation finished');
  }

  private moreToSay(): boolean {
    return this.responding || this.requested > 0 || this.toolsOut > 0;
  }

  private endLine(reason: string): void {
    if (this.handingOver) this.line.letGo(reason === 'conversation finished' ? 'handed to a person' : reason);
    else this.line.hangUp(reason);
  }

  /** Runs a tool in the workflow; a refusal becomes an error the model is told, never silence. */
  private async runTool(call: { call_id: string; name: string; arguments: string }): Promise<{ output: string; endCall?: boolean }> {
    const request: ToolCallRequest = { callSid: this.line.callSid, toolCallId: call.call_id, name: call.name, arguments: call.arguments };
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.deps.agent.runTool(this.line.callId, request);
      } catch (err) {
        if (err instanceof HttpError && err.status === 503 && attempt < TOOL_RETRIES && !this.closed) continue;
        const invalid = err instanceof HttpError && err.status === 400;
        this.deps.log.warn({ callId: this.line.callId, tool: call.name, reason: (err as Error).message }, invalid ? 'tool call refused' : 'tool call failed');
        const error = invalid ? { error: 'invalid_arguments', message: (err as Error).message } : { error: 'unavailable', message: 'The system is not answering. Apologise and offer a call back.' };
        return { output: JSON.stringify(error) };
      }
    }
  }

  /** Holds the workflow's directive watch open: the time-limit goodbye and the hand-over arrive here. */
  private async watchDirectives(): Promise<void> {
    while (!this.closed) {
      try {
        const directive = await this.deps.agent.watchAgentDirective(this.line.callId, { callSid: this.line.callSid, streamSid: this.line.streamSid, afterSeq: this.directiveSeq });
        this.directiveSeq = directive.seq;
        this.follow(directive);
      } catch (err) {
        if (err instanceof HttpError && err.status === 503) continue; // the long poll ran out: re-arm it
        return; // the call is over
      }
    }
  }

  private follow(directive: AgentDirective): void {
    if (this.ending && this.handingOver) return; // already letting go: nothing else is said
    this.ending = true;
    if (directive.kind === 'hand-over') this.handingOver = true;
    if (directive.text !== undefined) this.sayLastWords(directive.text);
    setTimeout(() => !this.closed && this.endLine(directive.kind === 'goodbye' ? 'time limit' : 'handed to a person'), GOODBYE_LIMIT_MS).unref();
    // The model's own last words (its transfer tool's reply): the line closes once they have played,
    // or now when nothing more is coming.
    if (directive.text === undefined && !this.moreToSay()) void this.line.voice.whenDrained().then(() => !this.closed && !this.moreToSay() && this.endLine('handed to a person'));
  }

  private sayLastWords(text: string): void {
    this.onBargeIn(); // whatever the agent was saying stops here
    if (this.responding) this.link?.send(responseCancel());
    this.requestResponse(`Say exactly this to the caller, then nothing else: "${text}"`);
  }

  private record(line: Omit<TranscriptLine, 'callSid'>): void {
    this.line.onTranscript?.(line);
    this.deps.agent
      .recordTranscript(this.line.callId, { callSid: this.line.callSid, ...line })
      .catch((err) => this.deps.log.warn({ callId: this.line.callId, err: (err as Error).message }, 'could not record a transcript line'));
  }

  private flushUnspoken(): void {
    for (const [itemId, text] of this.unspoken) this.record({ itemId, speaker: 'agent', text });
    this.unspoken.clear();
  }
}
