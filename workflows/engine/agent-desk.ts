// The workflow's side of a speech-to-speech call. The model talks with the caller on its own;
// what must be durable comes here: its tool calls (run once per tool call id, whatever dies in
// between), both sides of the transcript, and the workflow's directives to the session (say
// goodbye at the time limit; let go of the caller for the provider's flow to reach a person).
import { ApplicationFailure, condition, patched, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import {
  type AgentDirective, agentConversationQuery, agentDirectiveUpdate, InputRejection, runToolUpdate, type ToolCallRequest, type ToolCallResult,
  transcriptSignal, type TranscriptLine,
} from '../messages';
import { handOverLine } from '../prompts';
import type { PhoneCall } from './phone-call';
import { errorMessage } from './spec';

export interface AgentTool {
  /** Checks the model's arguments; a problem is told to the model and nothing runs. */
  parse(args: unknown): { ok: true; value: unknown } | { ok: false; problem: string };
  run(args: unknown, toolCallId: string): Promise<unknown>;
  /** After this tool's answer is spoken the call ends. */
  endsCall?: boolean;
}

/** A tool whose arguments `schema` checks, and what it runs with them. */
export function tool<S extends z.ZodTypeAny>(schema: S, run: (args: z.output<S>, toolCallId: string) => Promise<unknown>, options: { endsCall?: boolean } = {}): AgentTool {
  return {
    parse: (args) => {
      const parsed = schema.safeParse(args);
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, problem: parsed.error.issues.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`).join('; ') };
    },
    run: (args, toolCallId) => run(args as z.output<S>, toolCallId),
    ...options,
  };
}

/** Lines kept for a resumed session to be seeded with (the conversation so far). */
const CONVERSATION_KEPT = 60;
/** After the goodbye the gateway hangs up; the call waits this long for the line to drop. */
const HANG_UP_WAIT = '30s';

export type AgentEnding = 'hung-up' | 'ended-by-tool' | 'time-up' | 'handed-off';

export class AgentDesk {
  private readonly results = new Map<string, Promise<ToolCallResult>>();
  private readonly heard = new Set<string>();
  private readonly conversation: TranscriptLine[] = [];
  private directive?: AgentDirective;
  private endRequested = false;
  /** Tools that started and have not answered yet. */
  private toolsRunning = 0;
  toolCalls = 0;
  callerLines = 0;

  /** Lines of either side recorded so far. */
  get linesHeard(): number {
    return this.heard.size;
  }

  constructor(
    private readonly call: PhoneCall,
    private readonly tools: Record<string, AgentTool>,
  ) {
    setHandler(runToolUpdate, (request) => this.runTool(request), { validator: (request) => this.validate(request) });
    setHandler(transcriptSignal, (line) => this.onLine(line));
    setHandler(agentDirectiveUpdate, ({ afterSeq }) => this.nextDirective(afterSeq), { validator: ({ callSid }) => call.validateInput(callSid) });
    setHandler(agentConversationQuery, () => this.conversation);
    // Over a provider whose flow dials the agent (Exotel), the session lets go of the caller.
    call.handOverWith(({ requestedBy }) => this.handOver(requestedBy));
  }

  /**
   * The call was handed to a person and the provider's flow dials them once the stream closes:
   * the session says a short hold line and closes it. A handoff the model asked for (its transfer
   * tool) already has its own last words coming, so the session lets them finish instead.
   */
  private handOver(requestedBy: string): void {
    const seq = (this.directive?.seq ?? 0) + 1;
    this.directive = requestedBy === 'model' ? { seq, kind: 'hand-over' } : { seq, kind: 'hand-over', text: handOverLine(this.call.language) };
  }

  /** Waits while the model and the caller talk: until the caller hangs up, a tool ends the call, or time runs out. */
  async converse(goodbye: string): Promise<AgentEnding> {
    const ending = await this.talkUntilOver(goodbye);
    // A tool already running when the conversation ends (a booking as the caller hangs up) still
    // finishes, so the outcome counts what it did. (Guarded: older histories ended without waiting.)
    if (this.toolsRunning > 0 && patched('agent-tools-settle')) await condition(() => this.toolsRunning === 0);
    return ending;
  }

  private async talkUntilOver(goodbye: string): Promise<AgentEnding> {
    const over = () => this.call.hungUp() || this.endRequested || this.call.withHuman();
    const timeLeft = this.call.timeLeftMs();
    if (Number.isFinite(timeLeft)) await condition(over, Math.max(0, timeLeft));
    else await condition(over);
    if (this.call.hungUp()) return 'hung-up';
    if (this.call.withHuman()) return 'handed-off';
    if (!this.endRequested) {
      this.call.event('time_up', {});
      this.directive = { seq: (this.directive?.seq ?? 0) + 1, kind: 'goodbye', text: goodbye };
    }
    // The gateway says the last words and closes the stream; a line that stays open is not waited on forever.
    await condition(() => this.call.hungUp(), HANG_UP_WAIT);
    return this.endRequested ? 'ended-by-tool' : 'time-up';
  }

  /** Update validator: refuses, before it enters history, a call that cannot run (nothing is written). */
  private validate(request: ToolCallRequest): void {
    this.call.validateInput(request.callSid);
    if (this.results.has(request.toolCallId)) return; // a duplicate gets the first answer
    const tool = Object.hasOwn(this.tools, request.name) ? this.tools[request.name] : undefined;
    if (!tool) throw ApplicationFailure.nonRetryable(`unknown tool ${request.name}`, InputRejection.invalid);
    const parsed = tool.parse(parseJson(request.arguments));
    if (!parsed.ok) throw ApplicationFailure.nonRetryable(`bad arguments for ${request.name}: ${parsed.problem}`, InputRejection.invalid);
  }

  /** Runs the tool once per tool call id; a repeat (a re-sent update, a resumed session) gets the same answer. */
  private runTool(request: ToolCallRequest): Promise<ToolCallResult> {
    let result = this.results.get(request.toolCallId);
    if (!result) {
      result = this.execute(request);
      this.results.set(request.toolCallId, result);
    }
    return result;
  }

  private async execute({ name, toolCallId, arguments: json }: ToolCallRequest): Promise<ToolCallResult> {
    const tool = this.tools[name];
    const parsed = tool.parse(parseJson(json));
    if (!parsed.ok) throw ApplicationFailure.nonRetryable(parsed.problem, InputRejection.invalid); // validated already
    this.toolCalls++;
    let output: unknown;
    this.toolsRunning++;
    try {
      output = await tool.run(parsed.value, toolCallId);
    } catch (err) {
      // The booking system is down: the model apologises instead of the caller hearing silence.
      this.call.event('tool_failed', { name, toolCallId, error: errorMessage(err) });
      return { output: JSON.stringify({ error: 'unavailable', message: 'The appointment system is not answering. Apologise and offer a call back.' }) };
    } finally {
      this.toolsRunning--;
    }
    this.call.event('tool_call', { name, toolCallId, arguments: parsed.value as Record<string, unknown>, output: output as Record<string, unknown> });
    // A tool that handed the call to a person does not end it: the provider moves the caller.
    const endsCall = tool.endsCall && !this.call.withHuman();
    if (endsCall) this.endRequested = true;
    return { output: JSON.stringify(output), endCall: endsCall || undefined };
  }

  private onLine(line: TranscriptLine): void {
    if (!this.call.isCurrentCall(line.callSid)) return;
    const key = `${line.speaker}:${line.itemId}`;
    if (this.heard.has(key) || !line.text.trim()) return; // a line re-sent after a reconnect lands once
    this.heard.add(key);
    if (line.speaker === 'caller') this.callerLines++;
    this.conversation.push(line);
    if (this.conversation.length > CONVERSATION_KEPT) this.conversation.shift();
    this.call.said({ speaker: line.speaker === 'agent' ? 'bot' : 'caller', text: line.text });
    if (line.heardMs !== undefined) this.call.event('agent_interrupted', { itemId: line.itemId, heardMs: line.heardMs });
  }

  private async nextDirective(afterSeq: number): Promise<AgentDirective> {
    await condition(() => this.pending(afterSeq) !== undefined || this.call.isOver());
    const directive = this.pending(afterSeq);
    if (directive) return directive;
    throw ApplicationFailure.nonRetryable('the call is over', InputRejection.callOver);
  }

  /** The directive a session that has seen `afterSeq` must follow; a hand-over is spent once the caller is back with the bot (nobody answered). */
  private pending(afterSeq: number): AgentDirective | undefined {
    const directive = this.directive;
    if (!directive || directive.seq <= afterSeq) return undefined;
    return directive.kind === 'hand-over' && !this.call.withHuman() ? undefined : directive;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // the schema then says what is wrong
  }
}
