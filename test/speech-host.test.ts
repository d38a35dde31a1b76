// The speech host (speech-host/server.py, faster-whisper with tiny.en) on its HTTP contract:
// what our ASR client sends and reads, OpenAI's documented response formats, and bad uploads
// answered with 4xx JSON while the server goes on serving.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { encodeWav } from '../lib/audio';
import { withEnv } from './support/env';
import { type OfflineAsr, startOfflineAsr } from './support/offline-asr';
import { speak } from './speech';

let asr: OfflineAsr;
before(async () => {
  asr = await startOfflineAsr();
}, { timeout: 180_000 });
after(() => asr?.stop());

const endpoint = () => `${asr.url}/v1/audio/transcriptions`;

async function utteranceWav(text: string, sampleRate = 8000): Promise<Buffer> {
  return encodeWav(await speak(text, 'en', sampleRate), sampleRate);
}

function form(fields: Record<string, string>, file?: { data: Buffer; name?: string }): FormData {
  const body = new FormData();
  if (file) body.append('file', new Blob([file.data], { type: 'audio/wav' }), file.name ?? 'utterance.wav');
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  return body;
}

async function post(body: FormData | string, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const response = await fetch(endpoint(), { method: 'POST', body, headers });
  return { status: response.status, body: await response.json() };
}

/** One request written by hand on a socket; resolves with the raw answer once the server closes. */
function rawRequest(request: string): Promise<string> {
  const { port } = new URL(asr.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), '127.0.0.1', () => socket.end(request));
    let answer = '';
    socket.on('data', (d) => (answer += d));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

describe('speech host', () => {
  test('GET /health names the model and its languages', async () => {
    const response = await fetch(`${asr.url}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok', model: 'tiny.en', languages: ['en'] });
  });

  test('our ASR client (speech/asr.ts) gets the words, a confidence and the duration from an 8 kHz utterance', async () => {
    const samples = await speak('No, I do not.', 'en', 8000);
    const transcript = await withEnv({ ASR_URL: asr.url, DEEPGRAM_API_KEY: undefined }, async () => {
      const { transcribe } = await import('../speech/asr');
      return transcribe(samples, 8000, { language: 'en' });
    });
    assert.match(transcript.text, /^No, I do not\.?$/i);
    assert.equal(transcript.language, 'en');
    assert.ok(transcript.confidence > 0 && transcript.confidence < 1, `confidence ${transcript.confidence}`);
    assert.equal(transcript.durationMs, Math.round((samples.length / 8000) * 1000));
  });

  test("verbose_json has OpenAI's fields and segments", async () => {
    const { status, body } = await post(form({ model: 'whisper-1', language: 'en', response_format: 'verbose_json', temperature: '0' }, { data: await utteranceWav('Yes, I am.', 16000) }));
    assert.equal(status, 200, JSON.stringify(body));
    assert.deepEqual(Object.keys(body).sort(), ['duration', 'language', 'segments', 'task', 'text']);
    assert.equal(body.task, 'transcribe');
    assert.match(body.text, /^yes, i am\.?$/i);
    assert.ok(body.segments.length >= 1);
    for (const segment of body.segments) {
      assert.deepEqual(Object.keys(segment).sort(), ['avg_logprob', 'compression_ratio', 'end', 'id', 'no_speech_prob', 'seek', 'start', 'temperature', 'text', 'tokens']);
      assert.ok(segment.avg_logprob < 0 && segment.no_speech_prob >= 0 && segment.no_speech_prob <= 1);
      assert.ok(segment.end > segment.start);
    }
  });

  test('json (the default) is {text}; text is the words alone', async () => {
    const wav = await utteranceWav('Yes, I can.');
    const plain = await post(form({ model: 'whisper-1' }, { data: wav }));
    assert.equal(plain.status, 200);
    assert.deepEqual(Object.keys(plain.body), ['text']);
    assert.match(plain.body.text, /^yes, i can\.?$/i);
    const response = await fetch(endpoint(), { method: 'POST', body: form({ model: 'whisper-1', response_format: 'text' }, { data: wav }) });
    assert.match(response.headers.get('content-type')!, /^text\/plain/);
    assert.equal((await response.text()).trim(), plain.body.text);
  });

  test('a second of silence is answered with its duration; an empty WAV with no words', async () => {
    const silence = await post(form({ model: 'whisper-1', response_format: 'verbose_json' }, { data: encodeWav(new Int16Array(8000), 8000) }));
    assert.equal(silence.status, 200);
    assert.equal(silence.body.duration, 1);
    const empty = await post(form({ model: 'whisper-1', response_format: 'verbose_json' }, { data: encodeWav(new Int16Array(0), 8000) }));
    assert.deepEqual({ status: empty.status, text: empty.body.text, segments: empty.body.segments }, { status: 200, text: '', segments: [] });
  });

  test('bad uploads get 4xx JSON errors in OpenAI\'s shape', async () => {
    const wav = await utteranceWav('Yes.');
    const cases: [string, Promise<{ status: number; body: any }>, number, string | null][] = [
      ['no file', post(form({ model: 'whisper-1' })), 400, 'file'],
      ['no model', post(form({}, { data: wav })), 400, 'model'],
      ['not audio', post(form({ model: 'whisper-1' }, { data: Buffer.from('hello, this is not a WAV file at all') })), 400, 'file'],
      ['a WAV header and nothing after', post(form({ model: 'whisper-1' }, { data: wav.subarray(0, 20) })), 400, 'file'],
      ['an unknown language', post(form({ model: 'whisper-1', language: 'xx' }, { data: wav })), 400, 'language'],
      ['a temperature out of range', post(form({ model: 'whisper-1', temperature: '7' }, { data: wav })), 400, 'temperature'],
      ['a temperature that is no number', post(form({ model: 'whisper-1', temperature: 'warm' }, { data: wav })), 400, 'temperature'],
      ['an unknown response_format', post(form({ model: 'whisper-1', response_format: 'srt' }, { data: wav })), 400, 'response_format'],
      ['a JSON body', post('{"file": "x"}', { 'Content-Type': 'application/json' }), 400, null],
      ['multipart without a boundary', post('x', { 'Content-Type': 'multipart/form-data' }), 400, null],
      ['multipart that is not', post('garbage', { 'Content-Type': 'multipart/form-data; boundary=xyz' }), 400, null],
    ];
    for (const [what, request, status, param] of cases) {
      const answer = await request;
      assert.equal(answer.status, status, `${what}: ${JSON.stringify(answer.body)}`);
      assert.equal(answer.body.error.type, 'invalid_request_error', what);
      assert.equal(answer.body.error.param, param, what);
      assert.ok(answer.body.error.message.length > 0, what);
    }
  });

  test('routes, methods, sizes and broken requests: 404, 405, 411, 413, 400 as JSON', async () => {
    assert.equal((await fetch(`${asr.url}/v1/chat/completions`, { method: 'POST' })).status, 404);
    assert.equal((await fetch(endpoint())).status, 405);
    const chunked = await new Promise<number>((resolve, reject) => {
      const request = http.request(endpoint(), { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=b', 'Transfer-Encoding': 'chunked' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      request.on('error', reject);
      request.end('--b--');
    });
    assert.equal(chunked, 411);
    // Only the header: the server refuses by Content-Length before reading a byte of the body.
    const tooBig = await rawRequest(`POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: ${26 * 1024 * 1024}\r\n\r\n`);
    assert.match(tooBig, /^HTTP\/1\.[01] 413 /);
    assert.match(tooBig, /"type": "invalid_request_error"/);
    const garbage = await rawRequest('THIS IS NOT HTTP\r\n\r\n');
    assert.match(garbage, /^HTTP\/1\.[01] 400 /);
    assert.match(garbage, /application\/json/);
    const short = await rawRequest(`POST /v1/audio/transcriptions HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n--b\r\n`);
    assert.match(short, /^HTTP\/1\.[01] 400 /);
  });

  test('concurrent requests are all answered, and the server is healthy after everything above', async () => {
    const wav = await utteranceWav('Yes, I am.');
    const answers = await Promise.all([1, 2, 3].map(() => post(form({ model: 'whisper-1', language: 'en' }, { data: wav }))));
    assert.deepEqual(answers.map((a) => a.status), [200, 200, 200]);
    assert.equal(new Set(answers.map((a) => a.body.text)).size, 1, 'the same audio, the same words');
    assert.equal((await fetch(`${asr.url}/health`)).status, 200);
  });
});
