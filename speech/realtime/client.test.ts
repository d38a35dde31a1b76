// The Realtime client against the fake Realtime server on loopback: a real WebSocket, the
// documented events both ways, audio the fake's own VAD has to hear.
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { pcm16ToBytesLE, pcm16ToMulaw } from '../../lib/audio';
import { FakeRealtimeServer } from '../../test/fakes/openai-realtime';
import { withEnv } from '../../test/support/env';
import { audioConverterFor } from './audio';
import { RealtimeConnectError, RealtimeConnection, realtimeOptionsFromConfig, type RealtimeClose } from './client';
import {
  appendAudio,
  conversationItem,
  functionCallOutput,
  responseCancel,
  responseCreate,
  sessionUpdate,
  truncate,
  type RealtimeAudioFormat,
  type RealtimeProtocolError,
  type ServerEvent,
  type ServerEventOf,
  type ServerEventType,
} from './protocol';

const server = new FakeRealtimeServer();
before(() => server.start());
after(() => server.stop());

const BOOK_TOOL = {
  name: 'book_appointment',
  description: 'Books the caller in on a day',
  parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] },
};

/** A connection plus everything it reported, with a way to wait for what comes next. */
class Session {
  readonly events: ServerEvent[] = [];
  readonly closes: RealtimeClose[] = [];
  readonly problems: RealtimeProtocolError[] = [];
  readonly connection: RealtimeConnection;

  constructor(overrides: Partial<ConstructorParameters<typeof RealtimeConnection>[0]> = {}) {
    this.connection = new RealtimeConnection({ url: server.url, model: 'gpt-realtime', apiKey: server.apiKey, connectTimeoutMs: 3_000, ...overrides });
    this.connection.on('event', (event) => this.events.push(event));
    this.connection.on('close', (close) => this.closes.push(close));
    this.connection.on('protocol_error', (problem) => this.problems.push(problem));
  }

  of<T extends ServerEventType>(type: T): ServerEventOf<T>[] {
    return this.events.filter((event): event is ServerEventOf<T> => event.type === type);
  }

  /** The `nth` event of this type (1 = the first), waiting for it if need be. */
  async next<T extends ServerEventType>(type: T, nth = 1, timeoutMs = 3_000): Promise<ServerEventOf<T>> {
    await server.waitFor(() => this.of(type).length >= nth, timeoutMs, `${type} #${nth}`);
    return this.of(type)[nth - 1];
  }

  async configure(format: RealtimeAudioFormat): Promise<void> {
    const before = this.of('session.updated').length;
    this.connection.send(sessionUpdate({ instructions: 'You book appointments. Be brief.', voice: 'marin', tools: [BOOK_TOOL], format }));
    await this.next('session.updated', before + 1);
  }

  /** Sends 8 kHz samples as the bridge would: 20 ms frames in the session's format. */
  speak(samples8k: Int16Array, format: RealtimeAudioFormat): void {
    const converter = audioConverterFor(format === 'pcmu' ? { encoding: 'mulaw', sampleRate: 8000 } : { encoding: 'pcm16', sampleRate: 8000 });
    for (let i = 0; i < samples8k.length; i += 160) {
      const frame = samples8k.subarray(i, i + 160);
      const line = format === 'pcmu' ? mulaw(frame) : pcm16ToBytesLE(frame);
      this.connection.send(appendAudio(converter.toRealtime(line)));
    }
  }

  close(): void {
    this.connection.close();
  }
}

async function open(overrides: Partial<ConstructorParameters<typeof RealtimeConnection>[0]> = {}): Promise<Session> {
  const session = new Session(overrides);
  await session.connection.ready;
  return session;
}

function mulaw(frame: Int16Array): Buffer {
  const bytes = Buffer.alloc(frame.length);
  pcm16ToMulaw(frame, bytes);
  return bytes;
}

/** `ms` at 8 kHz of a loud 1 kHz tone (about −15 dBFS): speech to any energy VAD. */
function loud(ms: number): Int16Array {
  const samples = new Int16Array(ms * 8);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return samples;
}

/** `ms` of line hiss around −52 dBFS: not speech at threshold 0.5. */
function hiss(ms: number): Int16Array {
  const samples = new Int16Array(ms * 8);
  let seed = 12345;
  for (let i = 0; i < samples.length; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    samples[i] = (seed % 301) - 150;
  }
  return samples;
}

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) (out.set(part, offset), (offset += part.length));
  return out;
}

/** 500 ms hiss, 800 ms speech, 800 ms hiss: speech starts at 500 ms and ends at 1300 ms. */
const UTTERANCE = concat(hiss(500), loud(800), hiss(800));

const typesBetween = (events: ServerEvent[], first: ServerEvent, last: ServerEvent) =>
  events.slice(events.indexOf(first), events.indexOf(last) + 1).map((event) => event.type).filter((type) => type !== 'rate_limits.updated');

describe('RealtimeConnection against the fake Realtime API', () => {
  test('connects with the bearer key on the GA interface and is ready once session.created arrives', async () => {
    const session = await open();
    const created = await session.connection.ready;
    assert.match(created.id ?? '', /^sess_/);
    assert.equal(created.type, 'realtime');
    const upgrade = server.upgrades.at(-1)!;
    assert.deepEqual(upgrade, { model: 'gpt-realtime', authorization: `Bearer ${server.apiKey}`, openaiBeta: undefined, status: 101 });
    assert.equal(session.connection.isOpen, true);

    session.close();
    await server.waitFor(() => session.closes.length === 1, 3_000, 'close');
    assert.equal(session.closes[0].byUs, true);
    assert.equal(session.connection.isOpen, false);
  });

  test('session.update round trip: the server applies the GA session and echoes it', async () => {
    const session = await open();
    await session.configure('pcmu');
    const updated = session.of('session.updated')[0].session;
    assert.deepEqual(updated.audio?.input?.format, { type: 'audio/pcmu' });
    assert.deepEqual(updated.audio?.output?.format, { type: 'audio/pcmu' });
    assert.equal(updated.audio?.output?.voice, 'marin');
    assert.deepEqual(updated.audio?.input?.turn_detection, {
      type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, idle_timeout_ms: null, create_response: true, interrupt_response: true,
    });
    assert.equal(updated.instructions, 'You book appointments. Be brief.');
    const sent = server.receivedOf('session.update').at(-1)!;
    assert.equal(sent.session.type, 'realtime');
    assert.deepEqual(sent.session.tools, [{ type: 'function', ...BOOK_TOOL }]);
    assert.equal(session.of('error').length, 0);
    session.close();
  });

  test('loud audio is speech: documented offsets, the scripted transcript, then a spoken μ-law answer', async () => {
    server.script([{ transcript: 'I want to book for Monday', respond: { say: 'Sure, Monday works.', audioMs: 600 } }]);
    const session = await open();
    await session.configure('pcmu');
    session.speak(UTTERANCE, 'pcmu');
    const done = await session.next('response.done');

    const [started] = session.of('input_audio_buffer.speech_started');
    const [stopped] = session.of('input_audio_buffer.speech_stopped');
    assert.equal(session.of('input_audio_buffer.speech_started').length, 1, 'the hiss alone is not speech');
    assert.equal(started.audio_start_ms, 500 - 300, 'speech start minus prefix_padding_ms');
    assert.equal(stopped.audio_end_ms, 1300 + 500, 'speech end plus silence_duration_ms');
    const [committed] = session.of('input_audio_buffer.committed');
    const [heard] = session.of('conversation.item.input_audio_transcription.completed');
    assert.equal(stopped.item_id, started.item_id);
    assert.equal(committed.item_id, started.item_id);
    assert.equal(heard.item_id, started.item_id);
    assert.equal(heard.transcript, 'I want to book for Monday');
    const order = [stopped, committed, heard, session.of('response.created')[0], done].map((event) => session.events.indexOf(event));
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'stopped → committed → transcript → response');

    const audioBytes = session.of('response.output_audio.delta').reduce((n, event) => n + Buffer.from(event.delta, 'base64').length, 0);
    assert.equal(audioBytes, 600 * 8, '600 ms of μ-law');
    const spoken = session.of('response.output_audio_transcript.delta').map((event) => event.delta).join('');
    assert.equal(spoken, 'Sure, Monday works.');
    assert.equal(session.of('response.output_audio_transcript.done')[0].transcript, spoken);
    assert.equal(done.response.status, 'completed');
    assert.equal(done.response.output?.[0].role, 'assistant');
    assert.equal(server.scriptRemaining, 0);
    session.close();
  });

  test('Exotel PCM: 8 kHz line audio goes up to 24 kHz, is heard, and the answer is 24 kHz PCM', async () => {
    server.script([{ transcript: 'haan ji', respond: { say: 'Theek hai.', audioMs: 500 } }]);
    const session = await open();
    await session.configure('pcm24k');
    session.speak(UTTERANCE, 'pcm24k');
    await session.next('response.done');
    assert.equal(session.of('input_audio_buffer.speech_started')[0].audio_start_ms, 200);
    assert.equal(session.of('conversation.item.input_audio_transcription.completed')[0].transcript, 'haan ji');

    const converter = audioConverterFor({ encoding: 'pcm16', sampleRate: 8000 });
    const deltas = session.of('response.output_audio.delta').map((event) => event.delta);
    assert.equal(deltas.reduce((n, delta) => n + Buffer.from(delta, 'base64').length, 0), 500 * 48, '500 ms at 24 kHz, 16 bit');
    const line = Buffer.concat(deltas.map((delta) => converter.fromRealtime(delta)));
    assert.equal(line.length, 500 * 16, '500 ms at 8 kHz, 16 bit');
    session.close();
  });

  test('function call: the documented event sequence, then the tool output continues the script', async () => {
    server.script([
      { transcript: 'Book me for Monday', respond: { toolCall: { name: 'book_appointment', arguments: { day: 'Monday' } }, then: { say: 'You are booked for Monday.', audioMs: 300 } } },
    ]);
    const session = await open();
    await session.configure('pcmu');
    session.speak(UTTERANCE, 'pcmu');
    const done = await session.next('response.done');

    const created = session.of('response.created')[0];
    assert.deepEqual(typesBetween(session.events, created, done), [
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    const added = session.of('response.output_item.added')[0].item;
    assert.equal(added.type, 'function_call');
    assert.equal(added.name, 'book_appointment');
    const args = session.of('response.function_call_arguments.done')[0];
    assert.equal(args.call_id, added.call_id);
    assert.equal(session.of('response.function_call_arguments.delta').map((event) => event.delta).join(''), args.arguments);
    assert.deepEqual(JSON.parse(args.arguments), { day: 'Monday' });
    assert.equal(done.response.output?.[0].call_id, args.call_id);

    session.connection.send(functionCallOutput(args.call_id, '{"booked":true}'));
    session.connection.send(responseCreate());
    const second = await session.next('response.done', 2);
    assert.deepEqual(server.functionOutputs.at(-1), { callId: args.call_id, output: '{"booked":true}' });
    assert.equal(second.response.status, 'completed');
    assert.equal(session.of('response.output_audio_transcript.done')[0].transcript, 'You are booked for Monday.');
    assert.equal(session.of('error').length, 0);
    session.close();
  });

  test('a tool output for an unknown call id comes back as an error event; the session carries on', async () => {
    const session = await open();
    session.connection.send(functionCallOutput('call_nope', '{}'));
    const error = await session.next('error');
    assert.equal(error.error.type, 'invalid_request_error');
    assert.equal(error.error.param, 'item.call_id');
    assert.equal(session.connection.isOpen, true);
    await session.configure('pcmu');
    session.close();
  });

  test('barge-in: cancel a paced answer, truncate it to what was heard; the fake checks the bounds', async () => {
    server.script([{ expectSpeech: false, respond: { say: 'Hello! Thanks for calling, how can I help you today?', audioMs: 3000, paced: true } }]);
    const session = await open();
    await session.configure('pcmu');
    session.connection.send(responseCreate('Greet the caller.'));
    const first = await session.next('response.output_audio.delta', 3);
    session.connection.send(responseCancel());
    const done = await session.next('response.done');
    assert.equal(done.response.status, 'cancelled');
    assert.equal(done.response.status_details?.reason, 'client_cancelled');
    const sentMs = session.of('response.output_audio.delta').reduce((n, event) => n + Buffer.from(event.delta, 'base64').length, 0) / 8;
    assert.ok(sentMs >= 300 && sentMs < 3000, `cancelled part way (${sentMs} ms sent)`);
    assert.equal(done.response.output?.[0].status, 'incomplete');

    session.connection.send(truncate(first.item_id, 0, 250));
    const truncated = await session.next('conversation.item.truncated');
    assert.deepEqual({ item: truncated.item_id, ms: truncated.audio_end_ms }, { item: first.item_id, ms: 250 });
    assert.deepEqual(server.receivedOf('conversation.item.truncate').at(-1), { type: 'conversation.item.truncate', item_id: first.item_id, content_index: 0, audio_end_ms: 250 });
    assert.deepEqual(server.receivedOf('response.create').at(-1), { type: 'response.create', response: { instructions: 'Greet the caller.' } });

    session.connection.send(truncate(first.item_id, 0, 5000)); // more than was ever sent
    assert.equal((await session.next('error')).error.param, 'audio_end_ms');
    session.connection.send(responseCancel()); // nothing left to cancel
    assert.equal((await session.next('error', 2)).error.code, 'response_cancel_not_active');
    session.close();
  });

  test('caller speech during a paced answer cancels it as turn_detected (interrupt_response)', async () => {
    server.script([
      { expectSpeech: false, respond: { say: 'Let me tell you about all our opening hours in great detail.', audioMs: 4000, paced: true } },
      { transcript: 'Stop, just Monday please' },
    ]);
    const session = await open();
    await session.configure('pcmu');
    session.connection.send(responseCreate());
    await session.next('response.output_audio.delta', 2);
    session.speak(loud(300), 'pcmu');
    const done = await session.next('response.done');
    assert.equal(done.response.status, 'cancelled');
    assert.equal(done.response.status_details?.reason, 'turn_detected');
    assert.ok(session.events.indexOf(session.of('input_audio_buffer.speech_started')[0]) < session.events.indexOf(done));
    session.close();
  });

  test('seeding a resumed session: user and assistant text items are accepted with GA content types', async () => {
    const session = await open();
    session.connection.send(conversationItem('user', 'I want to book for Monday'));
    session.connection.send(conversationItem('assistant', 'Monday at ten works.'));
    await session.next('conversation.item.added', 2);
    const items = session.of('conversation.item.added').map((event) => event.item);
    assert.deepEqual(items.map((item) => [item.role, item.content?.[0].type, item.content?.[0].text]), [
      ['user', 'input_text', 'I want to book for Monday'],
      ['assistant', 'output_text', 'Monday at ten works.'],
    ]);
    assert.equal(session.of('conversation.item.added')[1].previous_item_id, items[0].id, 'in order');
    assert.equal(session.of('error').length, 0);
    session.close();
  });

  test('the fake refuses beta-style fields, as the real API refuses unknown parameters', async () => {
    const session = await open();
    const beta = { type: 'session.update', session: { type: 'realtime', input_audio_format: 'g711_ulaw' } };
    session.connection.send(beta as unknown as ReturnType<typeof sessionUpdate>);
    const error = await session.next('error');
    assert.equal(error.error.code, 'unknown_parameter');
    assert.equal(error.error.param, 'session.input_audio_format');
    session.close();
  });

  test('a drop mid-session is a close; sends after it are dropped, not thrown; a new session resumes the script', async () => {
    server.script([{ transcript: 'first turn' }, { transcript: 'second turn' }]);
    const first = await open();
    await first.configure('pcmu');
    first.speak(UTTERANCE, 'pcmu');
    await first.next('conversation.item.input_audio_transcription.completed');
    const connections = server.connectionCount;

    server.dropAll();
    await server.waitFor(() => first.closes.length === 1, 3_000, 'close after the drop');
    assert.deepEqual(first.closes[0], { code: 1006, reason: '', byUs: false });
    assert.equal(first.connection.isOpen, false);
    assert.equal(first.connection.send(appendAudio('AAAA')), false);
    assert.doesNotThrow(() => first.connection.send(responseCreate()));
    assert.equal(first.connection.droppedEvents, 2);

    const second = await open();
    assert.equal(server.connectionCount, connections + 1);
    await second.configure('pcmu');
    second.speak(UTTERANCE, 'pcmu');
    assert.equal((await second.next('conversation.item.input_audio_transcription.completed')).transcript, 'second turn');
    second.close();
  });

  test('server errors and rate limits arrive typed; malformed events are reported, unknown ones ignored', async () => {
    const session = await open();
    server.sendError({ type: 'server_error', message: 'The server had an error while processing your request.' });
    server.sendRateLimits([{ name: 'tokens', limit: 400000, remaining: 12, reset_seconds: 4.2 }]);
    server.sendRaw('{oops');
    server.sendRaw(JSON.stringify({ type: 'response.output_audio.delta', delta: 'AAAA' }));
    server.sendRaw(JSON.stringify({ type: 'response.some_future_event', anything: true }));
    await session.configure('pcmu'); // still working, and everything above has arrived by now

    assert.equal(session.of('error')[0].error.type, 'server_error');
    assert.equal(session.of('rate_limits.updated')[0].rate_limits[0].remaining, 12);
    assert.equal(session.problems.length, 2);
    assert.match(session.problems[0].message, /not valid JSON/);
    assert.match(session.problems[1].message, /response\.output_audio\.delta: response_id/);
    assert.equal(session.events.some((event) => (event.type as string) === 'response.some_future_event'), false);
    assert.equal(session.connection.isOpen, true);
    session.close();
  });

  test('a listener that throws is logged; the connection keeps delivering', async () => {
    const session = await open();
    session.connection.once('event', () => {
      throw new Error('bridge bug');
    });
    await session.configure('pcmu');
    await session.configure('pcm24k');
    assert.equal(session.of('session.updated').length, 2);
    session.close();
  });
});

describe('RealtimeConnection failing to connect', () => {
  test('a wrong key: a clear 401 error that never carries the key, and no close event', async () => {
    const key = 'sk-wrong-key-abcdefghijklmnop';
    const session = new Session({ apiKey: key });
    const err = await session.connection.ready.then(
      () => assert.fail('connected with a wrong key'),
      (error: unknown) => error,
    );
    assert.ok(err instanceof RealtimeConnectError);
    assert.equal(err.status, 401);
    assert.equal(err.retryable, false);
    assert.match(err.message, /refused by 127\.0\.0\.1:\d+: 401 Incorrect API key provided/);
    assert.equal(err.message.includes(key), false, 'the key is not in the error');
    assert.equal(server.upgrades.at(-1)!.status, 401);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(session.closes.length, 0);
    assert.equal(session.connection.send(appendAudio('AAAA')), false);
  });

  test('no model in the URL is refused by the fake with 400', async () => {
    const session = new Session({ model: '' });
    await assert.rejects(session.connection.ready, (err: RealtimeConnectError) => err.status === 400 && /model/.test(err.message));
  });

  test('a server that never answers the upgrade: ready rejects at the connect timeout', async () => {
    const silent = net.createServer((socket) => socket.resume()); // reads the upgrade request, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const startedAt = Date.now();
      const session = new Session({ url: `ws://127.0.0.1:${port}/v1/realtime`, connectTimeoutMs: 300 });
      await assert.rejects(session.connection.ready, (err: RealtimeConnectError) => err.retryable && /not ready within 300 ms/.test(err.message));
      assert.ok(Date.now() - startedAt < 2_000);
    } finally {
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('options come from the configuration, and a missing key is refused before any connection', async () => {
    await withEnv({ OPENAI_API_KEY: undefined }, async () => {
      assert.throws(() => realtimeOptionsFromConfig(), /OPENAI_API_KEY is not set/);
    });
    await withEnv({ OPENAI_API_KEY: 'sk-from-config-123456', REALTIME_MODEL: 'gpt-realtime-mini', REALTIME_URL: server.url }, async () => {
      const options = realtimeOptionsFromConfig({ callId: 'c1' });
      assert.deepEqual(options, { url: server.url, model: 'gpt-realtime-mini', apiKey: 'sk-from-config-123456', logContext: { callId: 'c1' } });
    });
  });
});
