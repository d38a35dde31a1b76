// One scripted response, played as the documented event sequence: response.created, the output
// item (an assistant message with audio and its transcript, or a function call with streamed
// arguments), then response.done. Audio goes out all at once (the real API runs faster than real
// time) or paced in real time, and a response in flight can be cancelled part way.
import { bytesPerMs, encodeOutput, syntheticVoice, type WireFormat } from './audio';
import { isToolCall, type SayResponse, type ScriptedResponse, type ToolCallResponse } from './script';

type Json = Record<string, unknown>;

export interface ResponseHost {
  send(event: Json): void;
  newId(prefix: string): string;
  outputFormat(): WireFormat;
  voice(): string;
  /** Adds the item to the conversation; returns the id of the item before it (or null). */
  addItem(item: Json, audioMs?: number): string | null;
  /** How much of an assistant item's audio has gone out (truncate may not go past it). */
  setAudioMs(itemId: string, audioMs: number): void;
  finished(response: ScriptedResponsePlayer, status: 'completed' | 'cancelled'): void;
}

export type CancelReason = 'client_cancelled' | 'turn_detected';

const DEFAULT_CHUNK_MS = 100;
const MS_PER_CHARACTER = 60;

export class ScriptedResponsePlayer {
  readonly id: string;
  private active = true;
  private timer?: NodeJS.Timeout;
  private item: Json = {};
  private output: Json[] = [];
  // Audio responses: what is still to send.
  private chunks: Buffer[] = [];
  private words: string[] = [];
  private sentChunks = 0;
  private sentWords = 0;
  private sentBytes = 0;

  constructor(
    private readonly host: ResponseHost,
    /** undefined: nothing scripted, an empty response. */
    readonly spec: ScriptedResponse | undefined,
  ) {
    this.id = host.newId('resp');
  }

  get inProgress(): boolean {
    return this.active;
  }

  start(): void {
    const format = this.host.outputFormat();
    this.host.send({ type: 'response.created', response: this.resource('in_progress') });
    this.host.send({
      type: 'rate_limits.updated', // the real API reserves tokens at the start of every response
      rate_limits: [{ name: 'requests', limit: 5000, remaining: 4999, reset_seconds: 0.012 }, { name: 'tokens', limit: 400000, remaining: 395000, reset_seconds: 0.75 }],
    });
    if (!this.spec) return this.finish('completed');
    if (isToolCall(this.spec)) return this.callTool(this.spec.toolCall);
    this.speak(this.spec, format);
  }

  cancel(reason: CancelReason): void {
    if (!this.active) return;
    clearTimeout(this.timer);
    this.finish('cancelled', reason);
  }

  private speak(spec: SayResponse, format: WireFormat): void {
    const samples = spec.pcm ?? syntheticVoice(spec.audioMs ?? Math.max(200, spec.say.length * MS_PER_CHARACTER));
    const audio = encodeOutput(samples, spec.pcm ? (spec.sampleRate ?? 24000) : 24000, format);
    const chunkBytes = Math.max(1, Math.round((spec.chunkMs ?? DEFAULT_CHUNK_MS) * bytesPerMs(format)));
    for (let i = 0; i < audio.length; i += chunkBytes) this.chunks.push(audio.subarray(i, i + chunkBytes));
    this.words = spec.say.split(/(?<=\s)/); // keep the spaces: the deltas join back into `say`

    this.item = { id: this.host.newId('item'), object: 'realtime.item', type: 'message', status: 'in_progress', role: 'assistant', content: [] };
    this.announceItem(0);
    this.host.send({ type: 'response.content_part.added', ...this.where(), part: { type: 'audio', transcript: '' } });
    const startedAt = Date.now();
    const chunkMs = spec.chunkMs ?? DEFAULT_CHUNK_MS;
    const sendNext = (): void => {
      if (!this.active) return;
      this.sendChunk();
      if (this.sentChunks === this.chunks.length) return this.finish('completed');
      // Scheduled against the start, so timer lateness does not add up.
      if (spec.paced) this.timer = setTimeout(sendNext, Math.max(0, startedAt + this.sentChunks * (spec.intervalMs ?? chunkMs) - Date.now()));
      else sendNext();
    };
    sendNext();
  }

  private sendChunk(): void {
    const chunk = this.chunks[this.sentChunks++];
    this.host.send({ type: 'response.output_audio.delta', ...this.where(), delta: chunk.toString('base64') });
    this.sentBytes += chunk.length;
    this.host.setAudioMs(this.item.id as string, this.sentBytes / bytesPerMs(this.host.outputFormat()));
    // Spread the words over the chunks so the transcript keeps pace with the audio.
    const wordsDue = Math.round((this.sentChunks / this.chunks.length) * this.words.length);
    if (wordsDue > this.sentWords) {
      const delta = this.words.slice(this.sentWords, wordsDue).join('');
      this.sentWords = wordsDue;
      this.host.send({ type: 'response.output_audio_transcript.delta', ...this.where(), delta });
    }
  }

  private callTool(call: ToolCallResponse['toolCall']): void {
    const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
    const callId = this.host.newId('call');
    this.item = { id: this.host.newId('item'), object: 'realtime.item', type: 'function_call', status: 'in_progress', name: call.name, call_id: callId, arguments: '' };
    this.announceItem();
    const ids = { response_id: this.id, item_id: this.item.id, output_index: 0, call_id: callId };
    const half = Math.ceil(args.length / 2);
    for (const delta of [args.slice(0, half), args.slice(half)].filter(Boolean)) this.host.send({ type: 'response.function_call_arguments.delta', ...ids, delta });
    this.host.send({ type: 'response.function_call_arguments.done', ...ids, name: call.name, arguments: args });
    Object.assign(this.item, { status: 'completed', arguments: args }); // in place: the conversation holds this object
    this.closeItem();
    this.finish('completed');
  }

  private announceItem(audioMs?: number): void {
    const previous = this.host.addItem(this.item, audioMs);
    this.host.send({ type: 'response.output_item.added', response_id: this.id, output_index: 0, item: this.item });
    this.host.send({ type: 'conversation.item.added', previous_item_id: previous, item: this.item });
  }

  private closeItem(): void {
    this.host.send({ type: 'response.output_item.done', response_id: this.id, output_index: 0, item: this.item });
    this.host.send({ type: 'conversation.item.done', item: this.item });
    this.output = [this.item];
  }

  /** Ends the response; an audio message is closed with what was actually sent. */
  private finish(status: 'completed' | 'cancelled', reason?: CancelReason): void {
    this.active = false;
    if (this.item.type === 'message') {
      const transcript = this.words.slice(0, this.sentWords).join('');
      this.host.send({ type: 'response.output_audio.done', ...this.where() });
      this.host.send({ type: 'response.output_audio_transcript.done', ...this.where(), transcript });
      this.host.send({ type: 'response.content_part.done', ...this.where(), part: { type: 'audio', transcript } });
      Object.assign(this.item, { status: status === 'completed' ? 'completed' : 'incomplete', content: [{ type: 'output_audio', transcript }] });
      this.closeItem();
    }
    const details = status === 'cancelled' ? { type: 'cancelled', reason } : null;
    this.host.send({ type: 'response.done', response: this.resource(status, details) });
    this.host.finished(this, status);
  }

  private where(): Json {
    return { response_id: this.id, item_id: this.item.id, output_index: 0, content_index: 0 };
  }

  private resource(status: string, statusDetails: Json | null = null): Json {
    return {
      object: 'realtime.response', id: this.id, status, status_details: statusDetails, output: this.output,
      conversation_id: 'conv_fake', output_modalities: ['audio'],
      audio: { output: { format: this.host.outputFormat(), voice: this.host.voice() } },
      usage: status === 'in_progress' ? null : { total_tokens: 100, input_tokens: 60, output_tokens: 40 },
    };
  }
}
