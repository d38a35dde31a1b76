// The Realtime protocol module: server events shaped as OpenAI's reference documents them parse,
// malformed ones are refused with a reason, unknown types are ignored; client events are built
// exactly as the GA interface expects.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  appendAudio,
  conversationItem,
  functionCallOutput,
  inputAudioClear,
  KNOWN_SERVER_EVENTS,
  parseServerEvent,
  RealtimeProtocolError,
  responseCancel,
  responseCreate,
  sessionUpdate,
  truncate,
} from './protocol';

const streamed = { response_id: 'resp_1', item_id: 'item_2', output_index: 0, content_index: 0 };
const assistantItem = { id: 'item_2', object: 'realtime.item', type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_audio', transcript: 'Sure.' }] };
const callItem = { id: 'item_3', object: 'realtime.item', type: 'function_call', status: 'completed', name: 'book', call_id: 'call_1', arguments: '{"day":"Monday"}' };
const session = {
  object: 'realtime.session', type: 'realtime', id: 'sess_1', model: 'gpt-realtime', output_modalities: ['audio'], instructions: 'Be brief.',
  audio: {
    input: { format: { type: 'audio/pcmu' }, transcription: null, noise_reduction: null, turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500 } },
    output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'marin', speed: 1 },
  },
  tools: [], tool_choice: 'auto', max_output_tokens: 'inf',
};

/** One documented example per server event type we use (fields as in OpenAI's API reference). */
const EXAMPLES: Record<string, Record<string, unknown>> = {
  'session.created': { event_id: 'event_1', type: 'session.created', session },
  'session.updated': { event_id: 'event_2', type: 'session.updated', session },
  'input_audio_buffer.speech_started': { event_id: 'event_3', type: 'input_audio_buffer.speech_started', audio_start_ms: 1000, item_id: 'item_1' },
  'input_audio_buffer.speech_stopped': { event_id: 'event_4', type: 'input_audio_buffer.speech_stopped', audio_end_ms: 2000, item_id: 'item_1' },
  'input_audio_buffer.committed': { event_id: 'event_5', type: 'input_audio_buffer.committed', previous_item_id: null, item_id: 'item_1' },
  'input_audio_buffer.cleared': { event_id: 'event_6', type: 'input_audio_buffer.cleared' },
  'conversation.item.created': { event_id: 'event_7', type: 'conversation.item.created', previous_item_id: 'item_0', item: assistantItem },
  'conversation.item.added': {
    event_id: 'event_8', type: 'conversation.item.added', previous_item_id: null,
    item: { id: 'item_1', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] },
  },
  'conversation.item.done': { event_id: 'event_9', type: 'conversation.item.done', item: callItem },
  'conversation.item.truncated': { event_id: 'event_10', type: 'conversation.item.truncated', item_id: 'item_2', content_index: 0, audio_end_ms: 1500 },
  'conversation.item.input_audio_transcription.completed': {
    event_id: 'event_11', type: 'conversation.item.input_audio_transcription.completed', item_id: 'item_1', content_index: 0,
    transcript: 'I want to book for Monday', usage: { type: 'duration', seconds: 2 },
  },
  'conversation.item.input_audio_transcription.failed': {
    event_id: 'event_12', type: 'conversation.item.input_audio_transcription.failed', item_id: 'item_1', content_index: 0,
    error: { type: 'transcription_error', code: 'audio_unintelligible', message: 'The audio could not be transcribed.', param: null },
  },
  'response.created': { event_id: 'event_13', type: 'response.created', response: { object: 'realtime.response', id: 'resp_1', status: 'in_progress', status_details: null, output: [] } },
  'response.output_item.added': { event_id: 'event_14', type: 'response.output_item.added', response_id: 'resp_1', output_index: 0, item: { ...callItem, status: 'in_progress', arguments: '' } },
  'response.output_item.done': { event_id: 'event_15', type: 'response.output_item.done', response_id: 'resp_1', output_index: 0, item: callItem },
  'response.output_audio.delta': { event_id: 'event_16', type: 'response.output_audio.delta', ...streamed, delta: 'AAAA' },
  'response.output_audio.done': { event_id: 'event_17', type: 'response.output_audio.done', ...streamed },
  'response.output_audio_transcript.delta': { event_id: 'event_18', type: 'response.output_audio_transcript.delta', ...streamed, delta: 'Sure' },
  'response.output_audio_transcript.done': { event_id: 'event_19', type: 'response.output_audio_transcript.done', ...streamed, transcript: 'Sure.' },
  'response.function_call_arguments.delta': {
    event_id: 'event_20', type: 'response.function_call_arguments.delta', response_id: 'resp_1', item_id: 'item_3', output_index: 0, call_id: 'call_1', delta: '{"day":',
  },
  'response.function_call_arguments.done': {
    event_id: 'event_21', type: 'response.function_call_arguments.done', response_id: 'resp_1', item_id: 'item_3', output_index: 0, call_id: 'call_1', arguments: '{"day":"Monday"}',
  },
  'response.done': {
    event_id: 'event_22', type: 'response.done',
    response: { object: 'realtime.response', id: 'resp_1', status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' }, output: [assistantItem, callItem], usage: { total_tokens: 50 } },
  },
  'rate_limits.updated': {
    event_id: 'event_23', type: 'rate_limits.updated',
    rate_limits: [{ name: 'requests', limit: 1000, remaining: 999, reset_seconds: 60 }, { name: 'tokens', limit: 50000, remaining: 49950, reset_seconds: 60 }],
  },
  error: {
    event_id: 'event_24', type: 'error',
    error: { type: 'invalid_request_error', code: 'invalid_value', message: "Invalid value: 'x'.", param: null, event_id: 'client_1' },
  },
};

const parse = (event: unknown) => parseServerEvent(JSON.stringify(event));

describe('parseServerEvent', () => {
  test('every event type we use has a documented example, and each parses with its fields intact', () => {
    assert.deepEqual([...KNOWN_SERVER_EVENTS].sort(), Object.keys(EXAMPLES).sort());
    for (const [type, example] of Object.entries(EXAMPLES)) {
      const event = parse(example);
      assert.equal(event?.type, type);
      assert.deepEqual(event, example, `${type} kept its fields`); // passthrough: nothing dropped
    }
  });

  test('typed fields come out typed: audio delta, function call arguments without name, response status', () => {
    const delta = parse(EXAMPLES['response.output_audio.delta']);
    assert.ok(delta?.type === 'response.output_audio.delta');
    assert.equal(delta.item_id, 'item_2');
    assert.equal(Buffer.from(delta.delta, 'base64').length, 3);

    const args = parse(EXAMPLES['response.function_call_arguments.done']);
    assert.ok(args?.type === 'response.function_call_arguments.done');
    assert.deepEqual(JSON.parse(args.arguments), { day: 'Monday' });
    assert.equal(args.name, undefined);

    const done = parse(EXAMPLES['response.done']);
    assert.ok(done?.type === 'response.done');
    assert.equal(done.response.status, 'cancelled');
    assert.equal(done.response.status_details?.reason, 'turn_detected');
    assert.equal(done.response.output?.[1].call_id, 'call_1');
  });

  test('unknown event types are ignored, not errors', () => {
    for (const type of ['conversation.created', 'response.content_part.added', 'output_audio_buffer.started', 'some.future.event']) {
      assert.equal(parse({ type, event_id: 'event_x', anything: [1, 2] }), undefined, type);
    }
  });

  test('malformed events are refused with what is wrong', () => {
    const cases: [string, RegExp][] = [
      ['{not json', /not valid JSON/],
      ['[1,2]', /not a JSON object/],
      ['null', /not a JSON object/],
      ['{"event_id":"e"}', /no "type" string/],
      ['{"type":42}', /no "type" string/],
      [JSON.stringify({ ...EXAMPLES['input_audio_buffer.speech_started'], audio_start_ms: '1000' }), /speech_started: audio_start_ms/],
      [JSON.stringify({ ...EXAMPLES['input_audio_buffer.speech_stopped'], audio_end_ms: -5 }), /speech_stopped: audio_end_ms/],
      [JSON.stringify({ type: 'response.output_audio.delta', response_id: 'r', output_index: 0, content_index: 0, delta: 'AAAA' }), /item_id/],
      [JSON.stringify({ type: 'error', error: { type: 'server_error' } }), /error: error\.message/],
      [JSON.stringify({ type: 'response.done', response: { id: 'resp_1', status: 'exploded' } }), /response\.status/],
      [JSON.stringify({ type: 'conversation.item.added', item: { id: 'item_1' } }), /item\.type/],
    ];
    for (const [text, problem] of cases) {
      assert.throws(() => parseServerEvent(text), (err: Error) => err instanceof RealtimeProtocolError && problem.test(err.message), text);
    }
  });
});

describe('client event builders', () => {
  const tools = [{ name: 'book', description: 'Books a slot', parameters: { type: 'object', properties: { day: { type: 'string' } }, required: ['day'] } }];

  test('sessionUpdate for μ-law: GA nested audio config, server VAD at 0.5 / 300 ms / 500 ms, transcription on', () => {
    assert.deepEqual(sessionUpdate({ instructions: 'Be brief.', voice: 'marin', tools, format: 'pcmu' }), {
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions: 'Be brief.',
        output_modalities: ['audio'],
        tools: [{ type: 'function', ...tools[0] }],
        tool_choice: 'auto',
        audio: {
          input: {
            format: { type: 'audio/pcmu' },
            transcription: { model: 'gpt-4o-mini-transcribe' },
            turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true },
          },
          output: { format: { type: 'audio/pcmu' }, voice: 'marin' },
        },
      },
    });
  });

  test('sessionUpdate for PCM is 24 kHz both ways and takes a transcription model', () => {
    const { session } = sessionUpdate({ instructions: '', voice: 'cedar', tools: [], format: 'pcm24k', transcriptionModel: 'whisper-1' });
    assert.deepEqual(session.audio.input.format, { type: 'audio/pcm', rate: 24000 });
    assert.deepEqual(session.audio.output.format, { type: 'audio/pcm', rate: 24000 });
    assert.deepEqual(session.audio.input.transcription, { model: 'whisper-1' });
    assert.equal(session.audio.output.voice, 'cedar');
    assert.deepEqual(session.tools, []);
  });

  test('conversation seeding: user text is input_text, assistant text is output_text', () => {
    assert.deepEqual(conversationItem('user', 'I want Monday'), {
      type: 'conversation.item.create',
      item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'I want Monday' }] },
    });
    assert.deepEqual(conversationItem('assistant', 'Monday it is'), {
      type: 'conversation.item.create',
      item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Monday it is' }] },
    });
  });

  test('tool output, responses, truncation, audio and clearing', () => {
    assert.deepEqual(functionCallOutput('call_1', '{"ok":true}'), {
      type: 'conversation.item.create',
      item: { type: 'function_call_output', call_id: 'call_1', output: '{"ok":true}' },
    });
    assert.deepEqual(responseCreate(), { type: 'response.create' });
    assert.deepEqual(responseCreate('Say goodbye.'), { type: 'response.create', response: { instructions: 'Say goodbye.' } });
    assert.deepEqual(responseCancel(), { type: 'response.cancel' });
    assert.deepEqual(truncate('item_2', 0, 1234.6), { type: 'conversation.item.truncate', item_id: 'item_2', content_index: 0, audio_end_ms: 1235 });
    assert.equal(truncate('item_2', 0, -3).audio_end_ms, 0);
    assert.deepEqual(appendAudio('AAAA'), { type: 'input_audio_buffer.append', audio: 'AAAA' });
    assert.deepEqual(inputAudioClear(), { type: 'input_audio_buffer.clear' });
  });
});
