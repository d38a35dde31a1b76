// The conversation: which prompt is playing, the callee's keys and speech, and asking a
// question until it gets a valid answer. Inputs arrive as updates whose result is the prompt to
// play next, so a key or an utterance costs one Temporal round trip.
import { ApplicationFailure, condition, proxyActivities } from '@temporalio/workflow';
import type * as speech from '../../activities/speech';
import { InputRejection } from '../messages';
import { handOverLine } from '../prompts';
import type { CallInput, CallState, NextPrompt, PreparedPrompt } from '../types';
import type { Dialler } from './dialler';
import type { CallJournal } from './journal';
import { type Answer, type CalleeInput, type CallSpec, errorMessage } from './spec';


/** How long input that overtook the dial result waits for it. */
const DIAL_RESULT_WAIT = '5s';

export class Conversation {
  private prepared: Record<string, PreparedPrompt> = {};
  private readonly inbox: CalleeInput[] = [];
  private promptSeq = 0;
  /** Inputs whose update waits for its answer (a keypad call handed off meanwhile answers them with the hand-over). */
  private inputsAwaitingAnswer = 0;
  private hangUpBy?: number;
  /** The callee's keys and utterances heard so far (a handed-off caller back with the bot shows by new ones). */
  inputsHeard = 0;
  /** Set once the outcome is known; from then on the call takes no input. */
  private over = false;
  /** Before dialling there is time: a slow speech host only delays the call. */
  private readonly prepareSpeech;
  /** A line decided mid-call has a caller waiting: a few seconds, then the gateway speaks the text itself. */
  private readonly liveSpeech;

  constructor(
    private readonly spec: CallSpec,
    private readonly input: CallInput<unknown>,
    private readonly state: CallState,
    private readonly journal: CallJournal,
    private readonly dialler: Dialler,
    /** The caller is with a person, or being connected to one: a question waiting for input stops. */
    private readonly withHuman: () => boolean = () => false,
  ) {
    const taskQueue = input.speechTaskQueue;
    this.prepareSpeech = proxyActivities<typeof speech>({ taskQueue, startToCloseTimeout: '60s', scheduleToCloseTimeout: '3m', retry: { maximumAttempts: 5 } });
    this.liveSpeech = proxyActivities<typeof speech>({ taskQueue, startToCloseTimeout: '4s', scheduleToCloseTimeout: '5s', retry: { maximumAttempts: 2, initialInterval: '200ms' } });
  }

  /** Synthesizes every prompt before dialling, so none is generated while the callee waits. */
  async prepare(): Promise<void> {
    if (Object.keys(this.spec.prompts).length === 0) return;
    try {
      this.prepared = await this.prepareSpeech.synthesizePrompts({ language: this.spec.language, texts: this.spec.prompts });
    } catch (err) {
      // Exotel and the gateway can speak text themselves; a missing speech worker must not stop the call.
      this.journal.event('tts_unavailable', { error: errorMessage(err) });
    }
  }

  /** Synthesizes a line decided during the call; on a slow speech host the gateway speaks the text. */
  async prepareLine(id: string, text: string): Promise<void> {
    try {
      Object.assign(this.prepared, await this.liveSpeech.synthesizePrompts({ language: this.spec.language, texts: { [id]: text } }));
    } catch (err) {
      this.journal.event('tts_unavailable', { error: errorMessage(err) });
      this.prepared[id] = { id, text };
    }
  }

  /** The callee answered: a voice call's own clock starts. */
  started(): void {
    if (this.spec.maxCallSeconds) this.hangUpBy = Date.now() + this.spec.maxCallSeconds * 1000;
  }

  /**
   * Plays a question and waits for a valid answer, asking again on no input or an unclear one.
   * `heard` sees every input first (a keypad menu's person key hands the call off there); its
   * 'stop' ends the question as handed off (the key again, after nobody answered).
   */
  async ask<T>(question: string, parse: (input: CalleeInput) => T | undefined, retryPrompt = `${question}_retry`, heard?: (input: CalleeInput) => 'stop' | void): Promise<Answer<T>> {
    // Handed off while the script was between questions: nothing more is asked (it would cut the hand-over line).
    if (this.withHuman()) return { kind: 'handed-off' };
    // The first question is already playing since the call was answered: restarting it would
    // make the media gateway cut the greeting and start over.
    if (this.state.prompt?.id !== question) this.play(question);
    this.state.awaitingInput = true;
    try {
      for (let misses = 0; ; ) {
        const wait = Math.min(this.input.policy.inputTimeoutSeconds * 1000, this.timeLeft());
        const gotInput = await condition(() => this.inbox.length > 0 || this.dialler.hungUp() || this.withHuman(), wait);
        const input = this.inbox.shift();
        if (!input && this.dialler.hungUp()) return { kind: 'hung-up' };
        if (!input && this.withHuman()) return { kind: 'handed-off' };
        if (!input && this.timeLeft() <= 0) return { kind: 'time-up' };
        if (input) this.recordInput(question, input);
        // The words just heard asked for a person (the handoff rules read every turn): no answer is parsed from them.
        if ((input && heard?.(input) === 'stop') || this.withHuman()) return { kind: 'handed-off' };
        const value = input ? parse(input) : undefined;
        if (value !== undefined && input) {
          if (input.kind === 'keys') this.state.digits.push(input.digits);
          return { kind: 'answer', value, input };
        }
        if (!gotInput) this.journal.event('input_timeout', { question });
        if (++misses > this.input.policy.maxReprompts) return { kind: 'no-response' };
        this.play(retryPrompt);
      }
    } finally {
      this.state.awaitingInput = false;
    }
  }

  /** Plays the closing prompt; the flow or the media gateway hangs up after it. */
  finish(closingPrompt: string): void {
    this.play(closingPrompt, true);
  }

  /**
   * A handoff through the provider's flow (Exotel): a short line, then the media session closes
   * the stream as after a goodbye, and the flow goes on to the agent.
   */
  handOver(): void {
    this.handoverLine();
    this.play('handover', true);
  }

  /**
   * A keypad call handed off while the provider waits for the answer to its input (Twilio's
   * <Gather> action): that answer is the hand-over line and the dial of the agent.
   */
  handOverInAnswer(transfer: NonNullable<NextPrompt['transfer']>): void {
    this.handoverLine();
    this.play('handover', false, transfer);
  }

  /** A keypad caller back from a handoff nobody answered: the question plays again (ask() then waits on it). */
  askAgain(question: string): NextPrompt {
    this.play(question);
    return this.state.prompt!;
  }

  /** The hand-over line as prepared (synthesized before dialling when the call has a handoff path). */
  handoverLine(): PreparedPrompt {
    return (this.prepared.handover ??= { id: 'handover', text: handOverLine(this.spec.language) });
  }

  /** An input's update is waiting for the prompt it leads to. */
  answeringInput(): boolean {
    return this.inputsAwaitingAnswer > 0;
  }

  /** The outcome is known: refuse further input and release every input still waiting. */
  close(): void {
    this.over = true;
  }

  /** Update validator: refuses input the call cannot take, before it enters history. */
  validate(callSid: string, problem: string | undefined): void {
    if (problem) throw ApplicationFailure.nonRetryable(problem, InputRejection.invalid);
    if (this.over) throw ApplicationFailure.nonRetryable('the call is over and takes no more input', InputRejection.callOver);
    if (this.dialler.ended(callSid)) throw ApplicationFailure.nonRetryable(`CallSid ${callSid} is an attempt that ended`, InputRejection.unknownCallSid);
  }

  /** Update handler for keys and speech: queues the input and returns the prompt it leads to. */
  async onInput(input: CalleeInput): Promise<NextPrompt> {
    // Input can overtake the dial result on its way here: wait briefly for the attempt to be known.
    if (!(await condition(() => this.dialler.isCurrent(input.callSid), DIAL_RESULT_WAIT))) {
      throw ApplicationFailure.nonRetryable(`CallSid ${input.callSid} is not this call's current attempt`, InputRejection.unknownCallSid);
    }
    // Keys or speech on the current attempt prove the callee answered, even when the provider's
    // "answered" callback is late or lost: the dialler stops waiting and the question opens.
    this.dialler.onCalleeInput(input.callSid);
    await condition(() => this.state.awaitingInput || this.finished() || this.withHuman());
    if (this.finished()) return this.refuseLate(input);
    // Handed to a person between questions (an operator, while the IVR flow gathered keys): the
    // caller hears the hand-over (Exotel's flow goes on to the agent) or what plays now.
    if (!this.state.awaitingInput) return this.whileHandedOff(input);
    const seq = this.promptSeq;
    this.inbox.push(input);
    // The call may hang up or end in the same activation, leaving this input unread: never wait forever.
    // Words that handed the call to a person are answered with the prompt already playing (the
    // media session ignores it): a call update moves the call, or the hand-over line follows.
    // A keypad call's provider waits for this very answer: it gets the hand-over the transfer plays.
    const handOverHere = this.spec.mode === 'ivr';
    this.inputsAwaitingAnswer++;
    try {
      await condition(() => this.promptSeq > seq || this.finished() || (this.withHuman() && !handOverHere));
    } finally {
      this.inputsAwaitingAnswer--;
    }
    if (this.promptSeq > seq || (this.withHuman() && !handOverHere)) return this.state.prompt!;
    this.inbox.splice(this.inbox.indexOf(input), 1);
    return this.refuseLate(input);
  }

  /** Update handler held open by media sessions: the first prompt played after `afterSeq`. */
  async nextPrompt(afterSeq: number): Promise<NextPrompt> {
    await condition(() => this.promptSeq > afterSeq || this.over);
    return this.state.prompt!;
  }

  /** The outcome is known. */
  isOver(): boolean {
    return this.over;
  }

  private finished(): boolean {
    return this.over || this.dialler.hungUp();
  }

  /** Input while the caller is with (or on the way to) a person: kept in the journal, answered with what plays now. */
  private whileHandedOff(input: CalleeInput): NextPrompt {
    this.journal.event('input_while_handed_off', { kind: input.kind, callSid: input.callSid, ...(input.kind === 'keys' ? { digits: input.digits } : { text: input.text }) });
    return this.state.prompt!;
  }

  /** Input that came too late to count is still kept in the journal: nothing the callee did is lost. */
  private refuseLate(input: CalleeInput): never {
    this.journal.event('input_after_end', { kind: input.kind, callSid: input.callSid, ...(input.kind === 'keys' ? { digits: input.digits } : { text: input.text }) });
    throw ApplicationFailure.nonRetryable('the call ended before this input could be used', InputRejection.callOver);
  }

  private play(promptId: string, hangup = false, transfer?: NextPrompt['transfer']): void {
    const prompt = this.prepared[promptId] ?? { id: promptId, text: this.spec.prompts[promptId] };
    if (prompt.text === undefined) throw ApplicationFailure.nonRetryable(`no prompt ${promptId}`);
    this.promptSeq++;
    this.state.prompt = { ...prompt, hangup, seq: this.promptSeq, language: this.spec.language, ...(transfer && { transfer }) };
    if (this.spec.mode === 'voicebot') this.journal.said({ speaker: 'bot', text: prompt.text, promptId });
  }

  /** Puts the first prompt in place before a dial. */
  playFirst(): void {
    if (this.spec.firstPrompt) this.play(this.spec.firstPrompt);
  }

  private recordInput(question: string, input: CalleeInput): void {
    this.inputsHeard++;
    if (input.kind === 'keys') {
      this.journal.event('digits', { question, digits: input.digits, callSid: input.callSid });
      if (this.spec.mode === 'voicebot') this.journal.said({ speaker: 'caller', text: `[keys] ${input.digits}` });
    } else {
      this.journal.event('utterance', { question, text: input.text, confidence: input.confidence, callSid: input.callSid });
      this.journal.said({ speaker: 'caller', text: input.text, confidence: input.confidence, language: input.language, durationMs: input.durationMs });
    }
  }

  timeLeft(): number {
    return this.hangUpBy === undefined ? Number.POSITIVE_INFINITY : this.hangUpBy - Date.now();
  }
}
