// One bidirectional media stream (one call). Inbound audio is decoded into 20 ms PCM frames for
// the endpointer; a finished utterance is transcribed and sent to the call's workflow as an
// update whose result is the next prompt, which is played back paced with marks. Caller speech
// during a prompt interrupts it (barge-in). Bad frames cost only this socket, never the process.
import type { WebSocket } from 'ws';
import type { AgentControl, CallControl } from '../../providers/types';
import { audioConverterFor } from '../../speech/realtime/audio';
import { StreamProtocolError, type MediaStreamCodec, type SpokenLine, type StreamEvent } from '../../providers/media-stream';
import { mulawToPcm16, readPcm16LE, StreamResampler } from '../../lib/audio';
import { Endpointer, type SpeechEnd } from '../../lib/audio/endpointer';
import { HttpError } from '../../lib/http-error';
import { logger } from '../../lib/logger';
import { frameHandlingSeconds } from '../../lib/metrics';
import { STREAM_REFRESH_MS, type StreamLiveness } from '../../lib/stream-liveness';
import { TimingRing } from '../../lib/timing-ring';
import type { Language, NextPrompt } from '../../workflows/types';
import { languageOf } from '../../speech/tts';
import { Playback, type StreamFormat } from './playback';
import type { AgentBridge, AgentLine } from './agent-bridge';
import { AgentVoice } from './agent-voice';
import { keysShape } from '../../providers/keys-shape';

const FRAME_SAMPLES = 160; // 20 ms at 8 kHz, what the endpointer takes
const MAX_BAD_FRAMES = 20;
const FILLER_ID = 'filler';
/** Keys pressed before the session is ready are kept for it (a handful; more is not a caller). */
const MAX_EARLY_DTMF = 16;
/** So is what the caller says meanwhile (an inbound call is started while they already talk), up to this many frames. */
const MAX_EARLY_AUDIO_FRAMES = 500;
/** A typed number (prep time's minutes) ends with '#', or this long after its last key. */
const TYPED_KEYS_PAUSE_MS = 3000;
/** A turn whose update timed out is sent again (same update id) this many times before giving up. */
const TURN_RETRIES = 2;
/** Pause before re-arming a prompt watch that failed for a reason other than a timeout. */
const WATCH_RETRY_MS = 500;

/** The workflow did not answer in time (503 retry_later): try again, the call is not over. */
const isRetryLater = (err: unknown) => err instanceof HttpError && err.status === 503;

export interface SessionDeps {
  control: CallControl;
  /** Speech to text; undefined text means nothing intelligible. */
  transcribe(audio: Int16Array, language: Language): Promise<{ text: string; confidence: number; language: string } | undefined>;
  /** The prompt's audio as 8 kHz PCM16, already encoded for this stream's format. */
  promptAudio(prompt: NextPrompt, format: StreamFormat): Promise<Buffer>;
  /** A short "hmm" for when a reply takes a while, in the stream's format. */
  fillerAudio(language: Language, format: StreamFormat): Promise<Buffer | undefined>;
  /** Live session state for dashboards and ops (Redis with a TTL); never on the per-frame path. */
  saveState(callId: string, state: Record<string, unknown> | undefined): Promise<void>;
  /** Speech-to-speech calls (the appointment agent) are bridged to a model instead of prompted. */
  agent?: { control: AgentControl; bridge(line: AgentLine): AgentBridge };
  /** A bridged stream vouches for itself while live and says how it closed (lib/stream-liveness.ts). */
  markStream?(callId: string, state: StreamLiveness): Promise<void>;
  vad: { minSpeechMs: number; endSilenceMs: number };
  fillerAfterMs: number;
  startTimeoutMs: number;
  /** Tests shorten the pause that ends a typed number. */
  typedKeysPauseMs?: number;
}

export class MediaSession {
  // 'starting': start arrived, the call id and endpointer are being set up; frames are held.
  private phase: 'awaiting-start' | 'starting' | 'live' | 'closing' | 'closed' = 'awaiting-start';
  /** Keys and audio that came before the session was live, in order, replayed once it is. */
  private early: Array<Extract<StreamEvent, { kind: 'dtmf' | 'media' }>> = [];
  private readonly earlyCount = { dtmf: 0, media: 0 };
  private callId = '';
  private callSid = '';
  private streamSid = '';
  private format: StreamFormat = { encoding: 'pcm16', sampleRate: 8000 };
  /** The language of the last prompt: the hint for ASR and the filler's voice. */
  private language: Language = 'hi';
  private endpointer?: Endpointer;
  private resampler?: StreamResampler;
  private playback?: Playback;
  /** Set on a speech-to-speech call: the model's voice and the bridge to it. */
  private agentVoice?: AgentVoice;
  private bridge?: AgentBridge;
  private livenessTimer?: NodeJS.Timeout;
  private readonly frame = new Int16Array(FRAME_SAMPLES);
  private frameFill = 0;
  private decoded = new Int16Array(FRAME_SAMPLES * 10);
  private resampled = new Int16Array(FRAME_SAMPLES * 10);
  private badFrames = 0;
  private turn = Promise.resolve();
  private turnSeq = 0;
  private stateKey = '';
  private lastPromptSeq = 0;
  /** The prompt being answered: it decides whether one key is the answer or a typed number is. */
  private promptId?: string;
  private typedKeys = '';
  private typedKeysTimer?: NodeJS.Timeout;
  /** The provider's stop said the call itself ended (the caller hung up), not only the stream. */
  private callEnded = false;
  /** We closed the stream after the goodbye: not a hang-up to report. */
  private endedByUs = false;
  /** We let go of this bridged call: a gateway shutting down (the workflow re-attaches it elsewhere), or a handoff through the provider's flow. */
  private handedOver = false;
  private readonly log;
  private readonly startTimer: NodeJS.Timeout;
  /** Inbound frame handling time (ms), for the benchmark. */
  readonly frameTimesMs = new TimingRing();
  private readonly frameSeconds;
  /** The playback's per-chunk scheduling lateness (ms), for the benchmark. */
  get playbackJitterMs(): TimingRing | undefined {
    return this.playback?.jitterMs;
  }

  constructor(
    private readonly ws: WebSocket,
    private readonly codec: MediaStreamCodec,
    private readonly deps: SessionDeps,
  ) {
    this.log = logger.child({ provider: codec.provider });
    this.frameSeconds = frameHandlingSeconds.labels(codec.provider);
    this.startTimer = setTimeout(() => this.close(1008, 'no start event in time'), deps.startTimeoutMs);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return this.badFrame('binary frames are not part of the protocol');
      this.onFrame(data.toString());
    });
    ws.on('close', () => this.onSocketClosed());
    ws.on('error', (err) => this.log.warn({ err: err.message, callId: this.callId }, 'media socket error'));
  }

  private onFrame(text: string): void {
    const t0 = performance.now();
    let event: StreamEvent;
    try {
      event = this.codec.parse(text);
    } catch (err) {
      if (err instanceof StreamProtocolError) return this.badFrame(err.message);
      throw err;
    }
    try {
      this.handle(event);
    } catch (err) {
      this.log.error({ err, callId: this.callId }, 'media frame handling failed');
      this.close(1011, 'internal error');
    }
    if (event.kind === 'media') {
      const ms = performance.now() - t0;
      this.frameTimesMs.push(ms);
      this.frameSeconds.observe(ms / 1000);
    }
  }

  private handle(event: StreamEvent): void {
    if (event.kind === 'connected') return;
    if (event.kind === 'start') return void this.start(event).catch((err) => this.fail('start failed', err));
    if (this.phase === 'awaiting-start' || this.phase === 'starting') return this.beforeLive(event);
    if (this.phase !== 'live') return;
    if (event.streamSid && event.streamSid !== this.streamSid) return this.badFrame(`${event.kind} for another stream`);
    if (this.bridge) return this.handleBridged(event);
    switch (event.kind) {
      case 'media':
        return this.onAudio(event.payload);
      case 'dtmf':
        return this.onDigit(event.digit);
      case 'mark':
        return this.playback?.onMark(event.name);
      case 'stop':
        return this.onStop(event);
    }
  }

  /**
   * A well-formed frame before the session is live is the provider being early, not a bad
   * frame: keys and audio are kept for later, marks only matter to a refusal being
   * spoken (nothing else plays yet). Only a stop means something now. A socket that never
   * sends start still meets the timer.
   */
  private beforeLive(event: Exclude<StreamEvent, { kind: 'start' | 'connected' }>): void {
    if (this.streamSid && event.streamSid && event.streamSid !== this.streamSid) return this.badFrame(`${event.kind} for another stream`);
    if (event.kind === 'dtmf' || event.kind === 'media') this.keepEarly(event);
    if (event.kind === 'mark') this.playback?.onMark(event.name);
    if (event.kind === 'stop') this.close(1000, 'stopped before the session was ready');
  }

  private keepEarly(event: Extract<StreamEvent, { kind: 'dtmf' | 'media' }>): void {
    const limit = event.kind === 'dtmf' ? MAX_EARLY_DTMF : MAX_EARLY_AUDIO_FRAMES;
    if (this.earlyCount[event.kind] === limit) return;
    this.earlyCount[event.kind]++;
    this.early.push(event);
  }

  private async start(event: Extract<StreamEvent, { kind: 'start' }>): Promise<void> {
    if (this.phase !== 'awaiting-start') return this.badFrame('a second start event');
    clearTimeout(this.startTimer);
    this.phase = 'starting';
    this.streamSid = event.streamSid; // known now, so frames during set-up can be checked against it
    this.format = { encoding: event.encoding, sampleRate: event.sampleRate };
    const callId = await this.callIdOf(event);
    if (this.phase !== 'starting') return; // the socket closed meanwhile (or the call was refused)
    if (!callId) return this.close(1008, `unknown call ${event.callSid}`);
    Object.assign(this, { callId, stateKey: callId, callSid: event.callSid });
    if (this.deps.agent && (await this.deps.agent.control.callType(callId)) === 'appointment-agent') return this.startBridge(this.deps.agent);
    if (this.phase !== 'starting') return;
    this.setUpPlayback();
    const endpointer = await Endpointer.create({ sampleRate: 8000, ...this.deps.vad });
    if (this.phase !== 'starting') return endpointer.dispose();
    this.endpointer = endpointer;
    this.endpointer.on('speech-start', () => this.onSpeechStart());
    this.endpointer.on('speech-end', (end) => this.onSpeechEnd(end));
    this.phase = 'live';
    this.log.info({ callId, streamSid: this.streamSid, format: this.format }, 'media stream started');
    for (const event of this.early.splice(0)) event.kind === 'dtmf' ? this.onDigit(event.digit) : this.onAudio(event.payload);
    // A stream only starts on a connected call, whatever the status callback's timing.
    await this.deps.control.reportStatus(callId, { callSid: this.callSid, event: 'answered', streamSid: this.streamSid });

    this.publish('listening');
    void this.watchPrompts();
  }

  /** A speech-to-speech call: the caller's audio goes to the model and the model's voice comes back. */
  private async startBridge(agent: NonNullable<SessionDeps['agent']>): Promise<void> {
    if (this.phase !== 'starting') return;
    this.early = []; // the model greets first and hears the caller from then on
    this.agentVoice = new AgentVoice((frame) => this.send(frame), this.codec, this.streamSid, this.format);
    const bridge = agent.bridge({
      callId: this.callId,
      callSid: this.callSid,
      streamSid: this.streamSid,
      audio: audioConverterFor(this.format),
      voice: this.agentVoice,
      hangUp: (reason) => this.endBridged('closed-by-us', reason),
      letGo: (reason) => this.endBridged('handed-over', reason),
      onTranscript: (line) => this.showLine(line.speaker === 'agent' ? 'bot' : 'caller', line.text),
    });
    this.bridge = bridge;
    this.phase = 'live';
    this.log.info({ callId: this.callId, streamSid: this.streamSid, format: this.format }, 'media stream bridged to the model');
    this.vouchForStream();
    await this.deps.control.reportStatus(this.callId, { callSid: this.callSid, event: 'answered', streamSid: this.streamSid });
    await bridge.start();
    this.publish('bridged');
  }

  /** While this process lives, the stream's mark stays fresh; the workflow re-attaches a call whose mark expired. */
  private vouchForStream(): void {
    const mark = () => this.deps.markStream?.(this.callId, 'live').catch((err) => this.log.warn({ err: err.message, callId: this.callId }, 'could not refresh the stream mark'));
    void mark();
    this.livenessTimer = setInterval(mark, STREAM_REFRESH_MS);
    this.livenessTimer.unref();
  }

  /**
   * We end the stream: after our goodbye ('closed-by-us') or to let the provider's flow take the
   * caller to a person ('handed-over'). The mark is written before the socket closes, so whoever
   * asks next (the workflow's watch, Exotel's Passthru) knows why the line went quiet.
   */
  private endBridged(mark: 'closed-by-us' | 'handed-over', reason: string): void {
    if (this.endedByUs || this.handedOver) return;
    if (mark === 'closed-by-us') this.endedByUs = true;
    else this.handedOver = true; // not the caller hanging up: nothing to report
    clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
    const marked = this.deps.markStream?.(this.callId, mark) ?? Promise.resolve();
    void marked
      .catch((err) => this.log.warn({ err: err.message, callId: this.callId }, 'could not mark the stream closed'))
      .finally(() => this.close(1000, reason));
  }

  /**
   * Graceful shutdown: a bridged call is not cut but handed to recovery. The mark says so before
   * the socket closes; Twilio then holds the caller until the workflow re-points the call at
   * another gateway, and Exotel's Passthru sends the flow back to the Voicebot applet.
   */
  async handOver(): Promise<void> {
    if (!this.bridge || this.phase !== 'live' || this.endedByUs) return;
    this.handedOver = true;
    clearInterval(this.livenessTimer);
    this.livenessTimer = undefined;
    await this.deps.markStream?.(this.callId, 'handed-over').catch((err) => this.log.warn({ err: err.message, callId: this.callId }, 'could not hand the stream over'));
    this.close(1001, 'gateway shutting down');
  }

  private handleBridged(event: Exclude<StreamEvent, { kind: 'start' | 'connected' }>): void {
    switch (event.kind) {
      case 'media':
        return this.bridge!.onCallerAudio(event.payload);
      case 'mark':
        return this.agentVoice!.onMark(event.name);
      case 'dtmf':
        return; // the model hears speech only; keys mean nothing to it
      case 'stop':
        return this.onStop(event);
    }
  }

  /**
   * Our call's id: named by the provider (the callId parameter) or known by its CallSid. A call
   * that rang in (Exotel names the caller and the ExoPhone, and no call of ours) is started now.
   */
  private async callIdOf(event: Extract<StreamEvent, { kind: 'start' }>): Promise<string | undefined> {
    const known = await this.deps.control.resolveCallId(event.callSid, event.customParameters.callId);
    if (known || !event.from || !event.to) return known;
    const started = await this.deps.control.startInbound({ provider: this.codec.provider, callSid: event.callSid, from: event.from, to: event.to, mode: 'voicebot' });
    if (!('refused' in started)) return started.callId;
    await this.refuse(started.refused);
    return undefined;
  }

  /** A call we will not take: the caller hears the polite line, then the stream ends (the provider's flow moves on). */
  private async refuse(line: string): Promise<void> {
    this.setUpPlayback();
    this.showLine('bot', line);
    const audio = await this.deps
      .promptAudio({ id: 'refusal', text: line, hangup: true, seq: 0, language: languageOf(line) }, this.format)
      .catch((err) => void this.log.warn({ err: (err as Error).message }, 'no audio for the refusal line'));
    if (audio && this.phase === 'starting') await this.playback!.play('refusal', audio);
    this.close(1000, 'inbound call refused');
  }

  /** Prompts out, the caller's audio resampled in for the endpointer: what a prompted call needs (a bridged one does not). */
  private setUpPlayback(): void {
    const { encoding, sampleRate } = this.format;
    if (encoding === 'pcm16' && sampleRate !== 8000) this.resampler = new StreamResampler(sampleRate, 8000);
    this.playback = new Playback((frame) => this.send(frame), this.codec, this.streamSid, this.format);
  }

  /** Keys answer the prompt the way it expects them: one key at once, or a typed number up to '#' or a pause. */
  private onDigit(digit: string): void {
    this.showLine('caller', `[keys] ${digit}`);
    const shape = keysShape(this.promptId);
    if (shape.numDigits === 1 && !this.typedKeys) return this.submitKeys(digit);
    clearTimeout(this.typedKeysTimer);
    if (digit === shape.finishOnKey) return this.submitKeys(this.typedKeys);
    this.typedKeys += digit;
    this.typedKeysTimer = setTimeout(() => this.submitKeys(this.typedKeys), this.deps.typedKeysPauseMs ?? TYPED_KEYS_PAUSE_MS);
  }

  private submitKeys(digits: string): void {
    clearTimeout(this.typedKeysTimer);
    this.typedKeys = '';
    if (!digits || this.phase !== 'live') return;
    const requestId = this.requestId();
    this.respond(() => this.deps.control.submitDigits(this.callId, { callSid: this.callSid, digits }, requestId));
  }

  /** The per-frame path: decode, resample if needed, cut into 20 ms frames. Reuses its buffers. */
  private onAudio(payload: Buffer): void {
    const samples = this.format.encoding === 'mulaw' ? payload.length : payload.length >> 1;
    if (this.decoded.length < samples) this.decoded = new Int16Array(samples);
    const count = this.format.encoding === 'mulaw' ? mulawToPcm16(payload, this.decoded) : readPcm16LE(payload, this.decoded);
    let pcm = this.decoded.subarray(0, count);
    if (this.resampler) {
      const needed = this.resampler.outputLengthFor(pcm.length);
      if (this.resampled.length < needed) this.resampled = new Int16Array(needed);
      pcm = this.resampled.subarray(0, this.resampler.processInto(pcm, this.resampled));
    }
    for (let i = 0; i < pcm.length; ) {
      const n = Math.min(FRAME_SAMPLES - this.frameFill, pcm.length - i);
      this.frame.set(pcm.subarray(i, i + n), this.frameFill);
      this.frameFill += n;
      i += n;
      if (this.frameFill === FRAME_SAMPLES) {
        this.endpointer?.push(this.frame);
        this.frameFill = 0;
      }
    }
  }

  private onSpeechStart(): void {
    const interrupted = this.playback?.interrupt();
    if (!interrupted || interrupted.promptId === FILLER_ID) return; // talking over "hmm" is nothing to record
    this.log.info({ callId: this.callId, ...interrupted }, 'barge-in');
    this.publish('caller-speaking', { interrupted: interrupted.promptId });
    this.deps.control
      .promptInterrupted(this.callId, { callSid: this.callSid, ...interrupted })
      .catch((err) => this.log.warn({ err: err.message, callId: this.callId }, 'could not record barge-in'));
  }

  private onSpeechEnd(end: SpeechEnd): void {
    const audio = end.audio;
    const durationMs = Math.round((audio.length / 8000) * 1000);
    const requestId = this.requestId();
    let transcript: ReturnType<SessionDeps['transcribe']> | undefined;
    let shown = false; // on screen once, even if the update is retried
    this.respond(async () => {
      const heard = await (transcript ??= this.deps.transcribe(audio, this.language)); // once, even if the update is retried
      const text = heard?.text.trim();
      if (!heard || !text) return undefined;
      if (!shown) this.showLine('caller', text);
      shown = true;
      const input = { callSid: this.callSid, text, confidence: heard.confidence, language: heard.language, durationMs };
      return this.deps.control.submitUtterance(this.callId, input, requestId);
    });
  }

  /**
   * Sends one input to the workflow and plays its answer; turns run one at a time, in order.
   * `ask` must be safe to repeat: a turn the workflow did not answer in time is sent again under
   * the same update id, and after that the prompt watch brings whatever the call says next.
   */
  private respond(ask: () => Promise<NextPrompt | undefined>): void {
    this.turn = this.turn.then(async () => {
      if (this.phase !== 'live') return;
      let answered = false;
      const filler = setTimeout(() => void this.playFiller(() => answered), this.deps.fillerAfterMs);
      try {
        for (let attempt = 0; ; attempt++) {
          try {
            const next = await ask();
            if (next) this.offer(next);
            return;
          } catch (err) {
            if (!isRetryLater(err) || attempt >= TURN_RETRIES || this.phase !== 'live') throw err;
            this.log.warn({ callId: this.callId, attempt }, 'turn timed out; sending it again');
          }
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message, callId: this.callId }, 'turn rejected');
      } finally {
        answered = true;
        clearTimeout(filler);
      }
    });
  }

  private async playFiller(answered: () => boolean): Promise<void> {
    const audio = await this.deps.fillerAudio(this.language, this.format).catch(() => undefined);
    if (audio && !answered() && this.phase === 'live' && !this.playback?.playing) await this.playback?.play(FILLER_ID, audio);
  }

  /**
   * Keeps one watch open on the call's prompts, so prompts the workflow plays on its own (a
   * reprompt after silence, the time-limit goodbye) reach the caller too. Each watch has a
   * deadline; one that runs out (503) is simply re-armed. It ends when the call stops
   * accepting input (any other refusal).
   */
  private async watchPrompts(): Promise<void> {
    while (this.phase === 'live') {
      try {
        this.offer(await this.deps.control.watchPrompt(this.callId, { callSid: this.callSid, streamSid: this.streamSid, afterSeq: this.lastPromptSeq }));
      } catch (err) {
        if (isRetryLater(err)) {
          if (err instanceof HttpError && err.code !== 'retry_later') await new Promise((r) => setTimeout(r, WATCH_RETRY_MS)); // Temporal down: don't spin
          continue;
        }
        if (this.phase === 'live') this.log.info({ callId: this.callId, reason: (err as Error).message }, 'prompt watch ended');
        return;
      }
    }
  }

  /** Plays a prompt unless it was already played (replies and the watch can bring the same one). */
  private offer(prompt: NextPrompt): void {
    if (prompt.seq <= this.lastPromptSeq) return;
    this.lastPromptSeq = prompt.seq;
    this.promptId = prompt.id;
    void this.play(prompt).catch((err) => this.fail('playback failed', err));
  }

  private async play(prompt: NextPrompt): Promise<void> {
    if (!this.playback || this.phase !== 'live') return;
    this.language = prompt.language ?? languageOf(prompt.text);
    const audio = await this.deps.promptAudio(prompt, this.format);
    // Audio takes its own time to arrive: a newer prompt offered meanwhile wins.
    if (prompt.seq !== this.lastPromptSeq || this.phase !== 'live') return;
    this.publish('speaking', { prompt: prompt.id });
    this.showLine('bot', prompt.text);
    const how = await this.playback.play(prompt.id, audio);
    if (how === 'done') this.publish('listening');
    // A goodbye ends the stream (and the provider's flow moves on / hangs up) whether it was
    // heard out or talked over: the call is over either way, and the line must not stay open.
    if (prompt.hangup) {
      this.endedByUs = true;
      // Marked before the socket closes: a flow that goes on after the stream (Exotel's Passthru
      // after the Voicebot applet) must learn the call ended here, not that its gateway died.
      await this.deps.markStream?.(this.callId, 'closed-by-us').catch((err) => this.log.warn({ err: err.message, callId: this.callId }, 'could not mark the stream closed'));
      this.close(1000, 'call finished');
    }
  }

  private onStop({ reason, callEnded = false }: Extract<StreamEvent, { kind: 'stop' }>): void {
    this.callEnded = callEnded;
    this.log.info({ callId: this.callId, reason }, 'media stream stopped by provider');
    this.endpointer?.end();
    this.close(1000, 'stopped');
  }

  private onSocketClosed(): void {
    this.phase = 'closed';
    clearTimeout(this.typedKeysTimer);
    if (this.streamSid) void this.deps.saveState(this.sessionKey(), undefined).catch(() => {});
    clearTimeout(this.startTimer);
    this.playback?.stop();
    this.endpointer?.dispose();
    this.bridge?.close();
    if (this.livenessTimer) {
      clearInterval(this.livenessTimer);
      // Closed by the provider (the caller left), not lost: nothing is re-attached. Our goodbye was marked already.
      void this.deps.markStream?.(this.callId, 'closed').catch((err) => this.log.warn({ err: err.message, callId: this.callId }, 'could not mark the stream closed'));
    }
    // The stream ended without our goodbye or a hand-over (provider stop, hang-up, dropped line): the call is over.
    if (this.callId && !this.endedByUs && !this.handedOver) {
      this.deps.control
        .reportStatus(this.callId, { callSid: this.callSid, event: 'terminal', status: 'completed', source: 'media-stream', streamSid: this.streamSid, ...(this.callEnded && { callEnded: true }) })
        .catch((err) => this.log.warn({ err: err.message, callId: this.callId }, 'could not report the hang-up'));
    }
  }

  private badFrame(reason: string): void {
    this.log.warn({ callId: this.callId || undefined, reason }, 'bad media frame');
    if (this.phase === 'awaiting-start') return this.close(1008, `protocol error before start: ${reason}`.slice(0, 120));
    if (++this.badFrames > MAX_BAD_FRAMES) this.close(1008, 'too many malformed frames');
  }

  private fail(what: string, err: unknown): void {
    this.log.error({ err, callId: this.callId }, what);
    this.close(1011, what);
  }

  /** The conversation as text, for a far end with a screen (the simulator); telephone codecs have no such frame. */
  private showLine(speaker: SpokenLine['speaker'], text: string): void {
    if (this.codec.transcript && this.streamSid) this.send(this.codec.transcript(this.streamSid, { speaker, text }));
  }

  private send(frame: string): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(frame);
  }

  private close(code: number, reason: string): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    const wasLive = this.phase === 'live';
    this.phase = 'closing';
    if (!wasLive || code !== 1000) this.log.info({ callId: this.callId || undefined, code, reason }, 'closing media stream');
    this.ws.close(code, reason);
  }

  private publish(activity: string, extra: Record<string, unknown> = {}): void {
    const state = { call_id: this.callId, call_sid: this.callSid, stream_sid: this.streamSid, provider: this.codec.provider, activity, turns: this.turnSeq, at: new Date().toISOString(), ...extra };
    this.deps.saveState(this.sessionKey(), state).catch((err) => this.log.warn({ err: err.message }, 'could not save session state'));
  }

  private sessionKey(): string {
    return this.stateKey || this.streamSid;
  }

  private requestId(): string {
    return `${this.streamSid}:${++this.turnSeq}`;
  }
}
