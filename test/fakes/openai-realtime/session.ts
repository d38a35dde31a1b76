// One fake Realtime session (one WebSocket): the session configuration, the input audio buffer
// with the fake's VAD, the conversation items, and at most one response in flight. Client events
// are validated as the real server would and refused with an `error` event, never a crash.
import type { WebSocket } from 'ws';
import { decodeInput, sampleRateOf, type WireFormat } from './audio';
import { CLIENT_EVENTS, type ClientEventOf, type ClientEventType, type SessionConfig } from './client-events';
import { ScriptedResponsePlayer, type ResponseHost } from './response';
import { isToolCall, type Script, type ScriptedResponse } from './script';
import { EnergyVad, type VadEvent } from './vad';

type Json = Record<string, any>;

export interface SessionHost {
  readonly script: Script;
  newId(prefix: string): string;
  /** Every client event that was a JSON object, valid or not. */
  received(event: Json): void;
  sent(event: Json): void;
  functionOutput(callId: string, output: string): void;
  /** Speech the script had no turn for. */
  unscriptedSpeech(transcriptItemId: string): void;
}

interface ConversationEntry {
  item: Json;
  audioMs: number;
}

const DEFAULT_TURN_DETECTION = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null, create_response: true, interrupt_response: true };

export class FakeRealtimeSession implements ResponseHost {
  readonly config: Json;
  private vad: EnergyVad;
  private readonly items: ConversationEntry[] = [];
  private response?: ScriptedResponsePlayer;
  /** The user item announced by speech_started, committed at speech_stopped. */
  private speechItemId?: string;
  private uncommittedBytes = 0;
  private assistantHasSpoken = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly host: SessionHost,
    model: string,
  ) {
    this.config = {
      object: 'realtime.session', type: 'realtime', id: host.newId('sess'), model, output_modalities: ['audio'],
      instructions: 'You are a helpful, witty, and friendly AI.', tools: [], tool_choice: 'auto', max_output_tokens: 'inf',
      tracing: null, truncation: 'auto', prompt: null, include: null, expires_at: Math.floor(Date.now() / 1000) + 3600,
      audio: {
        input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: null, noise_reduction: null, turn_detection: { ...DEFAULT_TURN_DETECTION } },
        output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy', speed: 1 },
      },
    };
    this.vad = this.newVad();
    this.send({ type: 'session.created', session: this.config });
  }

  send(event: Json): void {
    const text = JSON.stringify({ event_id: this.host.newId('event'), ...event });
    this.host.sent(JSON.parse(text)); // a copy: items change after they are sent
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(text);
  }

  error(problem: { message: string; code?: string; param?: string | null; type?: string }, clientEventId?: string): void {
    this.send({ type: 'error', error: { type: problem.type ?? 'invalid_request_error', code: problem.code ?? null, message: problem.message, param: problem.param ?? null, event_id: clientEventId ?? null } });
  }

  /** The socket is gone: stop anything scheduled. */
  dispose(): void {
    this.response?.cancel('client_cancelled');
  }

  handle(text: string): void {
    let event: Json;
    try {
      event = JSON.parse(text);
    } catch {
      return this.error({ code: 'invalid_json', message: 'The event is not valid JSON.' });
    }
    if (typeof event !== 'object' || event === null || Array.isArray(event)) return this.error({ code: 'invalid_json', message: 'The event is not a JSON object.' });
    this.host.received(event);
    const type = event.type as string;
    if (!Object.hasOwn(CLIENT_EVENTS, type)) {
      return this.error({ code: 'invalid_value', param: 'type', message: `Invalid value: '${String(type)}'. Supported values are: ${Object.keys(CLIENT_EVENTS).join(', ')}.` }, event.event_id);
    }
    const parsed = CLIENT_EVENTS[type as ClientEventType].safeParse(event);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const unknownKeys = issue.code === 'unrecognized_keys' ? issue.keys : [];
      const unknown = unknownKeys.length > 0;
      const param = [...issue.path, ...unknownKeys].join('.');
      return this.error({ code: unknown ? 'unknown_parameter' : 'invalid_value', param, message: `${unknown ? 'Unknown parameter' : 'Invalid value'}: '${param}'. ${issue.message}` }, event.event_id);
    }
    this.dispatch(type as ClientEventType, parsed.data, event.event_id);
  }

  private dispatch(type: ClientEventType, event: Json, eventId?: string): void {
    switch (type) {
      case 'session.update': return this.update(event as ClientEventOf<'session.update'>, eventId);
      case 'input_audio_buffer.append': return this.append(Buffer.from(event.audio, 'base64'));
      case 'input_audio_buffer.commit':
        if (this.uncommittedBytes === 0) return this.error({ code: 'input_audio_buffer_commit_empty', message: 'Error committing input audio buffer: the buffer is empty.' }, eventId);
        return this.commit(this.speechItemId ?? this.host.newId('item'), false);
      case 'input_audio_buffer.clear':
        this.uncommittedBytes = 0;
        this.speechItemId = undefined;
        this.vad.reset();
        return this.send({ type: 'input_audio_buffer.cleared' });
      case 'conversation.item.create': return this.createItem(event as ClientEventOf<'conversation.item.create'>, eventId);
      case 'conversation.item.truncate': return this.truncate(event as ClientEventOf<'conversation.item.truncate'>, eventId);
      case 'response.create':
        if (this.response?.inProgress) {
          return this.error({ code: 'conversation_already_has_active_response', message: `Conversation already has an active response in progress: ${this.response.id}. Wait until the response is finished before creating a new one.` }, eventId);
        }
        return this.respond(this.host.script.onResponseCreate());
      case 'response.cancel':
        if (!this.response?.inProgress || (event.response_id && event.response_id !== this.response.id)) {
          return this.error({ code: 'response_cancel_not_active', message: 'Cancellation failed: no active response found.' }, eventId);
        }
        return this.response.cancel('client_cancelled');
    }
  }

  // ------------------------------------------------------------------------------------ session

  private update(event: ClientEventOf<'session.update'>, eventId?: string): void {
    const update: SessionConfig = event.session;
    const voice = update.audio?.output?.voice;
    if (voice && voice !== this.config.audio.output.voice && this.assistantHasSpoken) {
      return this.error({ code: 'cannot_update_voice', param: 'session.audio.output.voice', message: 'Cannot update a conversation\'s voice if assistant audio is present.' }, eventId);
    }
    const { audio, ...rest } = update;
    Object.assign(this.config, rest);
    const input = this.config.audio.input;
    Object.assign(input, audio?.input ?? {});
    // A partial server_vad object keeps the documented defaults for what it leaves out.
    if (audio?.input?.turn_detection) input.turn_detection = { ...DEFAULT_TURN_DETECTION, ...audio.input.turn_detection };
    Object.assign(this.config.audio.output, audio?.output ?? {});
    if (audio?.input?.format) this.vad = this.newVad();
    else this.vad.configure(this.vadSettings());
    this.send({ type: 'session.updated', session: this.config });
  }

  private newVad(): EnergyVad {
    const vad = new EnergyVad(sampleRateOf(this.config.audio.input.format), this.vadSettings());
    // A new input format restarts the VAD's frames, not the session's audio clock.
    if (this.vad) vad.skipTo(this.vad.audioMs);
    return vad;
  }

  private vadSettings() {
    const td = this.config.audio.input.turn_detection ?? DEFAULT_TURN_DETECTION;
    return { threshold: td.threshold, prefixPaddingMs: td.prefix_padding_ms, silenceDurationMs: td.silence_duration_ms };
  }

  // -------------------------------------------------------------------------------------- audio

  private append(bytes: Buffer): void {
    this.uncommittedBytes += bytes.length;
    const events = this.vad.push(decodeInput(bytes, this.config.audio.input.format as WireFormat));
    if (!this.config.audio.input.turn_detection) return; // manual turns: the client commits
    for (const event of events) this.onVad(event);
  }

  private onVad(event: VadEvent): void {
    const td = this.config.audio.input.turn_detection;
    if (event.kind === 'speech_started') {
      this.speechItemId = this.host.newId('item');
      this.send({ type: 'input_audio_buffer.speech_started', audio_start_ms: event.audioStartMs, item_id: this.speechItemId });
      if (td.interrupt_response !== false) this.response?.cancel('turn_detected');
      return;
    }
    const itemId = this.speechItemId ?? this.host.newId('item');
    this.send({ type: 'input_audio_buffer.speech_stopped', audio_end_ms: event.audioEndMs, item_id: itemId });
    this.commit(itemId, td.create_response !== false);
  }

  /** The buffer becomes a user item; its transcript and answer come from the script. */
  private commit(itemId: string, autoRespond: boolean): void {
    this.uncommittedBytes = 0;
    this.speechItemId = undefined;
    this.vad.reset();
    const item = { id: itemId, object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] };
    const previous = this.addItem(item);
    this.send({ type: 'input_audio_buffer.committed', previous_item_id: previous, item_id: itemId });
    this.send({ type: 'conversation.item.added', previous_item_id: previous, item });
    this.send({ type: 'conversation.item.done', previous_item_id: previous, item });
    const turn = this.host.script.onSpeech();
    if (!turn) this.host.unscriptedSpeech(itemId);
    if (this.config.audio.input.transcription) {
      this.send({ type: 'conversation.item.input_audio_transcription.completed', item_id: itemId, content_index: 0, transcript: turn?.transcript ?? '', usage: { type: 'duration', seconds: 1 } });
    }
    if (!turn?.respond) return;
    if (autoRespond && !this.response?.inProgress) this.respond(turn.respond);
    else this.host.script.owe(turn.respond);
  }

  // ------------------------------------------------------------------------------- conversation

  private createItem(event: ClientEventOf<'conversation.item.create'>, eventId?: string): void {
    const item: Json = { object: 'realtime.item', status: 'completed', ...event.item, id: event.item.id ?? this.host.newId('item') };
    if (this.find(item.id)) return this.error({ code: 'item_already_exists', param: 'item.id', message: `Item with id '${item.id}' already exists.` }, eventId);
    if (event.previous_item_id && event.previous_item_id !== 'root' && !this.find(event.previous_item_id)) {
      return this.error({ code: 'item_not_found', param: 'previous_item_id', message: `Item with item_id '${event.previous_item_id}' not found.` }, eventId);
    }
    if (item.type === 'function_call_output') {
      const call = this.items.find((entry) => entry.item.type === 'function_call' && entry.item.call_id === item.call_id);
      if (!call) return this.error({ code: 'invalid_value', param: 'item.call_id', message: `Tool call ID '${item.call_id}' not found in conversation.` }, eventId);
      this.host.functionOutput(item.call_id, item.output);
    }
    const previous = this.addItem(item);
    this.send({ type: 'conversation.item.added', previous_item_id: previous, item });
    this.send({ type: 'conversation.item.done', previous_item_id: previous, item });
  }

  private truncate(event: ClientEventOf<'conversation.item.truncate'>, eventId?: string): void {
    const entry = this.find(event.item_id);
    if (!entry) return this.error({ code: 'item_not_found', param: 'item_id', message: `Item with item_id '${event.item_id}' not found.` }, eventId);
    if (entry.item.type !== 'message' || entry.item.role !== 'assistant') {
      return this.error({ code: 'invalid_value', param: 'item_id', message: 'Only assistant messages can be truncated.' }, eventId);
    }
    if (event.content_index !== 0) return this.error({ code: 'invalid_value', param: 'content_index', message: 'The item has no content part at that index.' }, eventId);
    if (event.audio_end_ms > entry.audioMs) {
      return this.error({ code: 'invalid_value', param: 'audio_end_ms', message: `Audio content of ${Math.floor(entry.audioMs)}ms is already shorter than ${event.audio_end_ms}ms` }, eventId);
    }
    // What the caller never heard leaves the context, transcript included.
    entry.audioMs = event.audio_end_ms;
    entry.item.content = [{ type: 'output_audio', transcript: '' }];
    this.send({ type: 'conversation.item.truncated', item_id: event.item_id, content_index: 0, audio_end_ms: event.audio_end_ms });
  }

  private find(itemId: string): ConversationEntry | undefined {
    return this.items.find((entry) => entry.item.id === itemId);
  }

  // ---------------------------------------------------------------------------------- responses

  private respond(spec: ScriptedResponse | undefined): void {
    this.response = new ScriptedResponsePlayer(this, spec);
    this.response.start();
  }

  // ResponseHost
  newId(prefix: string): string {
    return this.host.newId(prefix);
  }

  outputFormat(): WireFormat {
    return this.config.audio.output.format;
  }

  voice(): string {
    return this.config.audio.output.voice;
  }

  addItem(item: Json, audioMs = 0): string | null {
    const previous = this.items.at(-1)?.item.id ?? null;
    this.items.push({ item, audioMs });
    return previous;
  }

  setAudioMs(itemId: string, audioMs: number): void {
    const entry = this.find(itemId);
    if (entry) entry.audioMs = audioMs;
    this.assistantHasSpoken = true;
  }

  finished(response: ScriptedResponsePlayer, status: 'completed' | 'cancelled'): void {
    // After a tool call the script goes on once the client returns the output and asks again.
    if (status === 'completed' && response.spec && isToolCall(response.spec)) this.host.script.owe(response.spec.then);
  }
}
