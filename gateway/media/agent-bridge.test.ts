import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { HttpError } from '../../lib/http-error';
import { twilioStreamCodec } from '../../providers/twilio/stream';
import type { AgentControl } from '../../providers/types';
import { audioConverterFor } from '../../speech/realtime/audio';
import type { ClientEvent, ServerEvent } from '../../speech/realtime/protocol';
import type { AgentDirective, ToolCallRequest, ToolCallResult, TranscriptLine } from '../../workflows/messages';
import { AgentBridge, type RealtimeLink } from './agent-bridge';
import { AgentVoice } from './agent-voice';

const settle = () => new Promise((r) => setTimeout(r, 5));

class FakeLink implements RealtimeLink {
  sent: ClientEvent[] = [];
  private listener?: (event: ServerEvent) => void;
  private closed?: () => void;
  send(event: ClientEvent) {
    this.sent.push(event);
  }
  close() {
    this.closed?.();
  }
  onEvent(listener: (event: ServerEvent) => void) {
    this.listener = listener;
  }
  onClose(listener: () => void) {
    this.closed = listener;
  }
  emit(event: Record<string, unknown>) {
    this.listener!(event as ServerEvent);
  }
  types() {
    return this.sent.map((e) => e.type);
  }
}

class FakeAgent implements AgentControl {
  tools: ToolCallRequest[] = [];
  lines: TranscriptLine[] = [];
  conversation: TranscriptLine[] = [];
  toolAnswer: (request: ToolCallRequest) => Promise<ToolCallResult> = async () => ({ output: '{"ok":true}' });
  directive?: (value: AgentDirective) => void;
  async callType() {
    return 'appointment-agent' as const;
  }
  runTool(_callId: string, request: ToolCallRequest) {
    this.tools.push(request);
    return this.toolAnswer(request);
  }
  async recordTranscript(_callId: string, line: TranscriptLine) {
    this.lines.push(line);
  }
  watchAgentDirective(): Promise<AgentDirective> {
    return new Promise((resolve) => (this.directive = resolve));
  }
  async agentConversation() {
    return this.conversation;
  }
}

function setUp() {
  const links: FakeLink[] = [];
  const agent = new FakeAgent();
  const frames: { event: string; mark?: { name: string } }[] = [];
  const voice = new AgentVoice((f) => frames.push(JSON.parse(f)), twilioStreamCodec, 'MZ1', { encoding: 'mulaw', sampleRate: 8000 });
  const hangUps: string[] = [];
  const letGos: string[] = [];
  const bridge = new AgentBridge(
    {
      callId: 'call-1', callSid: 'CA1', streamSid: 'MZ1', audio: audioConverterFor({ encoding: 'mulaw', sampleRate: 8000 }), voice,
      hangUp: (reason) => hangUps.push(reason), letGo: (reason) => letGos.push(reason),
    },
    {
      agent,
      connect: async () => {
        const link = new FakeLink();
        links.push(link);
        return link;
      },
      instructions: () => 'You are a receptionist.',
      voice: 'marin',
      tools: [{ name: 'list_available_slots', description: 'slots', parameters: { type: 'object' } }],
      log: pino({ level: 'silent' }),
    },
  );
  return { bridge, agent, links, frames, voice, hangUps, letGos };
}

test('a new session is configured for the line and greets first; caller audio passes through', async () => {
  const { bridge, links } = setUp();
  await bridge.start();
  const [link] = links;
  assert.deepEqual(link.types(), ['session.update', 'response.create']);
  const update = link.sent[0] as Extract<ClientEvent, { type: 'session.update' }>;
  assert.equal(update.session.audio.input.format.type, 'audio/pcmu');
  assert.equal(update.session.tools[0].name, 'list_available_slots');
  bridge.onCallerAudio(Buffer.from([1, 2, 3]));
  await Promise.resolve(); // sent once the frame's turn of the event loop is over
  assert.deepEqual(link.sent.at(-1), { type: 'input_audio_buffer.append', audio: Buffer.from([1, 2, 3]).toString('base64') });
  bridge.close();
});

test('frames that arrive together (a late event loop reads several at once) go to the model as one append, in order', async () => {
  const { bridge, links } = setUp();
  await bridge.start();
  const [link] = links;
  const before = link.sent.length;
  bridge.onCallerAudio(Buffer.from([1, 2, 3]));
  bridge.onCallerAudio(Buffer.from([4, 5]));
  bridge.onCallerAudio(Buffer.from([6]));
  await Promise.resolve();
  assert.deepEqual(link.sent.slice(before), [{ type: 'input_audio_buffer.append', audio: Buffer.from([1, 2, 3, 4, 5, 6]).toString('base64') }]);
  bridge.onCallerAudio(Buffer.from([7]));
  await Promise.resolve();
  assert.deepEqual(link.sent.slice(before + 1), [{ type: 'input_audio_buffer.append', audio: Buffer.from([7]).toString('base64') }]);
  bridge.close();
});

test('a barge-in clears the line, truncates the reply at the heard mark, and records what was heard', async () => {
  const { bridge, links, frames, agent, voice } = setUp();
  await bridge.start();
  const [link] = links;
  link.emit({ type: 'response.output_audio.delta', response_id: 'r1', item_id: 'item_a', output_index: 0, content_index: 0, delta: Buffer.alloc(1600, 0x7f).toString('base64') });
  link.emit({ type: 'response.output_audio_transcript.done', response_id: 'r1', item_id: 'item_a', output_index: 0, content_index: 0, transcript: 'We are open on weekdays from nine.' });
  const firstMark = frames.find((f) => f.event === 'mark')!.mark!.name;
  voice.onMark(firstMark); // 100 ms heard
  link.emit({ type: 'input_audio_buffer.speech_started', audio_start_ms: 900, item_id: 'user_1' });
  assert.equal(frames.at(-1)!.event, 'clear');
  assert.deepEqual(link.sent.at(-1), { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 100 });
  await settle();
  assert.deepEqual(agent.lines, [{ callSid: 'CA1', itemId: 'item_a', speaker: 'agent', text: 'We are open on weekdays from nine.', heardMs: 100 }]);
  link.emit({ type: 'conversation.item.input_audio_transcription.completed', item_id: 'user_1', content_index: 0, transcript: 'Tomorrow please' });
  await settle();
  assert.deepEqual(agent.lines[1], { callSid: 'CA1', itemId: 'user_1', speaker: 'caller', text: 'Tomorrow please' });
  bridge.close();
});

test('function calls go to the workflow by call id; outputs go back and the model is asked to go on', async () => {
  const { bridge, links, agent } = setUp();
  agent.toolAnswer = async (request) => {
    if (request.name === 'create_appointment') throw new HttpError(400, 'invalid_input', 'bad arguments for create_appointment: time must be HH:MM');
    return { output: '{"date":"2026-11-23","slots":["09:00"]}' };
  };
  await bridge.start();
  const [link] = links;
  link.sent.length = 0;
  const call = (call_id: string, name: string, args: string) =>
    link.emit({ type: 'response.output_item.done', response_id: 'r1', output_index: 0, item: { type: 'function_call', call_id, name, arguments: args } });
  call('call_1', 'list_available_slots', '{"date":"2026-11-23"}');
  call('call_2', 'create_appointment', '{"time":"nine"}');
  link.emit({ type: 'response.done', response: { id: 'r1', status: 'completed' } });
  await settle();
  assert.deepEqual(agent.tools.map((t) => [t.toolCallId, t.name, t.callSid]), [['call_1', 'list_available_slots', 'CA1'], ['call_2', 'create_appointment', 'CA1']]);
  assert.deepEqual(link.types(), ['conversation.item.create', 'conversation.item.create', 'response.create']);
  const outputs = link.sent.slice(0, 2).map((e) => (e as Extract<ClientEvent, { type: 'conversation.item.create' }>).item as { call_id: string; output: string });
  assert.equal(outputs[0].call_id, 'call_1');
  assert.deepEqual(JSON.parse(outputs[1].output), { error: 'invalid_arguments', message: 'bad arguments for create_appointment: time must be HH:MM' });
  bridge.close();
});

test('a dropped model session is reopened and seeded with the conversation the workflow kept', async () => {
  const { bridge, links, agent } = setUp();
  await bridge.start();
  agent.conversation = [
    { callSid: 'CA1', itemId: 'a1', speaker: 'agent', text: 'Hello, how can I help?' },
    { callSid: 'CA1', itemId: 'u1', speaker: 'caller', text: 'I need an appointment on Monday.' },
  ];
  links[0].close();
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(links.length, 2);
  const types = links[1].types();
  assert.deepEqual(types, ['session.update', 'conversation.item.create', 'conversation.item.create', 'response.create']);
  const seeded = links[1].sent.slice(1, 3).map((e) => (e as unknown as { item: { role: string; content: { type: string; text: string }[] } }).item);
  assert.deepEqual(seeded.map((i) => [i.role, i.content[0].type, i.content[0].text]), [
    ['assistant', 'output_text', 'Hello, how can I help?'],
    ['user', 'input_text', 'I need an appointment on Monday.'],
  ]);
  assert.match((links[1].sent[3] as { response?: { instructions: string } }).response!.instructions, /where were we/);
  bridge.close();
});

test('the time-limit goodbye is said, and the line is closed once it has played', async () => {
  const { bridge, links, agent, frames, hangUps, voice } = setUp();
  await bridge.start();
  const [link] = links;
  link.emit({ type: 'response.created', response: { id: 'r1' } });
  agent.directive!({ seq: 1, kind: 'goodbye', text: 'We are out of time. Goodbye.' });
  await settle();
  assert.deepEqual(link.types().slice(-2), ['response.cancel', 'response.create']);
  assert.match((link.sent.at(-1) as { response: { instructions: string } }).response.instructions, /We are out of time\. Goodbye\./);
  link.emit({ type: 'response.done', response: { id: 'r1', status: 'cancelled' } }); // the reply cut off for the goodbye
  await settle();
  assert.deepEqual(hangUps, [], 'the cancelled reply is not the goodbye');
  link.emit({ type: 'response.created', response: { id: 'r2' } });
  link.emit({ type: 'response.output_audio.delta', response_id: 'r2', item_id: 'bye', output_index: 0, content_index: 0, delta: Buffer.alloc(800, 0x7f).toString('base64') });
  link.emit({ type: 'response.output_audio.done', response_id: 'r2', item_id: 'bye', output_index: 0, content_index: 0 });
  link.emit({ type: 'response.done', response: { id: 'r2', status: 'completed' } });
  await settle();
  assert.deepEqual(hangUps, [], 'not before the goodbye has played');
  for (const f of frames.filter((f) => f.event === 'mark')) voice.onMark(f.mark!.name);
  await settle();
  assert.deepEqual(hangUps, ['conversation finished']);
  bridge.close();
});

/** A played reply from the model: audio, its transcript, and the response's end. */
function reply(link: FakeLink, id: string, text: string) {
  link.emit({ type: 'response.created', response: { id } });
  link.emit({ type: 'response.output_audio.delta', response_id: id, item_id: `${id}_item`, output_index: 0, content_index: 0, delta: Buffer.alloc(800, 0x7f).toString('base64') });
  link.emit({ type: 'response.output_audio_transcript.done', response_id: id, item_id: `${id}_item`, output_index: 0, content_index: 0, transcript: text });
  link.emit({ type: 'response.output_audio.done', response_id: id, item_id: `${id}_item`, output_index: 0, content_index: 0 });
  link.emit({ type: 'response.done', response: { id, status: 'completed' } });
}

test('a hand-over (the rules or an operator): the hold line is said, then the stream is let go to the flow, not hung up; the caller is no longer answered', async () => {
  const { bridge, links, agent, frames, hangUps, letGos, voice } = setUp();
  await bridge.start();
  const [link] = links;
  reply(link, 'r0', 'Hello, City Clinic.');
  for (const f of frames.filter((f) => f.event === 'mark')) voice.onMark(f.mark!.name);
  await settle();
  agent.directive!({ seq: 1, kind: 'hand-over', text: 'Please hold, I am connecting you to a colleague.' });
  await settle();
  assert.match((link.sent.at(-1) as { response: { instructions: string } }).response.instructions, /Please hold, I am connecting you to a colleague\./);
  const sent = link.sent.length;
  bridge.onCallerAudio(Buffer.from([1, 2, 3]));
  await Promise.resolve();
  assert.equal(link.sent.length, sent, 'caller audio no longer goes to the model');
  reply(link, 'r1', 'Please hold, I am connecting you to a colleague.');
  await settle();
  assert.deepEqual(letGos, [], 'not before the hold line has played');
  for (const f of frames.filter((f) => f.event === 'mark')) voice.onMark(f.mark!.name);
  await settle();
  assert.deepEqual([letGos, hangUps], [['handed to a person'], []]);
  bridge.close();
});

test("a hand-over the model asked for: its own reply to the transfer tool is said out before the stream is let go, and nothing more is asked of it", async () => {
  const { bridge, links, agent, frames, letGos, voice } = setUp();
  let answerTool!: (result: ToolCallResult) => void;
  agent.toolAnswer = () => new Promise((resolve) => (answerTool = resolve));
  await bridge.start();
  const [link] = links;
  link.emit({ type: 'response.created', response: { id: 'r1' } });
  link.emit({ type: 'response.output_item.done', response_id: 'r1', output_index: 0, item: { type: 'function_call', call_id: 'call_t', name: 'transfer_to_human', arguments: '{"reason":"asked"}' } });
  link.emit({ type: 'response.done', response: { id: 'r1', status: 'completed' } });
  await settle();
  // The workflow hands the call over while the tool's answer is still on its way.
  agent.directive!({ seq: 1, kind: 'hand-over' });
  await settle();
  assert.deepEqual(letGos, [], 'the tool has not answered yet');
  const creates = link.types().filter((t) => t === 'response.create').length;
  answerTool({ output: '{"status":"transferring"}' });
  await settle();
  assert.equal(link.types().filter((t) => t === 'response.create').length, creates + 1, 'the model is asked to reply to the output, with no words put in its mouth');
  assert.equal((link.sent.at(-1) as { response?: { instructions?: string } }).response?.instructions, undefined);
  await settle();
  assert.deepEqual(letGos, [], 'its reply is still to come');
  reply(link, 'r2', 'Connecting you to a colleague now.');
  for (const f of frames.filter((f) => f.event === 'mark')) voice.onMark(f.mark!.name);
  await settle();
  assert.deepEqual(letGos, ['handed to a person']);
  assert.ok(agent.lines.some((l) => l.speaker === 'agent' && l.text === 'Connecting you to a colleague now.'));
  bridge.close();
});

test('directive watches name their stream: a new stream on the same call does not join an earlier stream\'s watch', async () => {
  const { bridge, agent } = setUp();
  const watches: unknown[] = [];
  agent.watchAgentDirective = (...args: unknown[]) => {
    watches.push(args[1]);
    return new Promise(() => {});
  };
  await bridge.start();
  assert.deepEqual(watches, [{ callSid: 'CA1', streamSid: 'MZ1', afterSeq: 0 }]);
  bridge.close();
});
