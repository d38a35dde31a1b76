// TTS adapters against loopback fakes: what they send, and that the cache holds 8 kHz WAV.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { ttsAudioKey } from '../lib/keys';

const requests: { url: string; headers: http.IncomingHttpHeaders; body: any }[] = [];
let answer: (res: http.ServerResponse) => void = (res) => res.end();
const server = http.createServer((req, res) => {
  let raw = '';
  req.on('data', (c) => (raw += c));
  req.on('end', () => {
    requests.push({ url: req.url!, headers: req.headers, body: JSON.parse(raw) });
    answer(res);
  });
});

before(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  delete process.env.REDIS_URL; // the in-process cache
  process.env.PUBLIC_BASE_URL = 'http://gateway.test';
});
after(() => server.close());

async function freshTts(env: Record<string, string | undefined>) {
  Object.assign(process.env, { ELEVENLABS_API_KEY: undefined, TTS_URL: undefined });
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  const { resetConfig } = await import('../lib/config');
  resetConfig();
  const { closeCache, cache } = await import('../lib/cache');
  await closeCache();
  return { tts: await import('./tts'), cache };
}

test('ElevenLabs: raw 16 kHz PCM is requested with the API key and cached as 8 kHz WAV', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { tts, cache } = await freshTts({ ELEVENLABS_API_KEY: 'xi-test', ELEVENLABS_URL: url, ELEVENLABS_VOICE_ID: 'voice-1', TTS_URL: undefined });
  const second = Buffer.alloc(32000); // one second of 16 kHz PCM16
  for (let i = 0; i < 16000; i++) second.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 16000)), i * 2);
  answer = (res) => res.writeHead(200, { 'Content-Type': 'audio/pcm' }).end(second);

  const audioUrl = await tts.synthesizeToCache('Hello there', 'en');
  const sent = requests.at(-1)!;
  assert.equal(sent.url, '/v1/text-to-speech/voice-1?output_format=pcm_16000');
  assert.equal(sent.headers['xi-api-key'], 'xi-test');
  assert.deepEqual(sent.body, { text: 'Hello there', model_id: 'eleven_multilingual_v2' });
  const hash = /audio\/([0-9a-f]{40})\.wav$/.exec(audioUrl)![1];
  const wav = (await cache().getBuffer(ttsAudioKey(hash)))!;
  assert.equal(wav.readUInt32LE(24), 8000);
  assert.ok(Math.abs(wav.readUInt32LE(40) - 16000) <= 64, 'one second at 8 kHz, 16-bit');
});

test('a 4xx from the TTS host is final, a 5xx is retried', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { tts } = await freshTts({ TTS_URL: url, ELEVENLABS_API_KEY: undefined });
  answer = (res) => res.writeHead(400).end();
  await assert.rejects(tts.synthesizeToCache('bad request text', 'hi'), (err: any) => err.type === 'TtsRejected' && err.nonRetryable === true);
  assert.equal(requests.at(-1)!.url, '/v1/audio/speech');
  assert.deepEqual(requests.at(-1)!.body, { model: 'tts-1', input: 'bad request text', voice: 'hi', response_format: 'wav' });
  answer = (res) => res.writeHead(503).end();
  await assert.rejects(tts.synthesizeToCache('busy text', 'hi'), (err: any) => err.type === 'TtsUnavailable' && err.nonRetryable === false);
});

test('TTS_SPEED: the host is sent its `speed`, and the same text at another speed is other audio', async () => {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const wav = (await import('../lib/audio')).encodeWav(new Int16Array(800), 8000);
  answer = (res) => res.writeHead(200, { 'Content-Type': 'audio/wav' }).end(wav);
  const usual = await (await freshTts({ TTS_URL: url, TTS_SPEED: undefined, ELEVENLABS_API_KEY: undefined })).tts.synthesizeToCache('Press one', 'en');
  assert.equal(requests.at(-1)!.body.speed, undefined, 'no speed at the usual rate');
  const fast = await (await freshTts({ TTS_URL: url, TTS_SPEED: '1.5', ELEVENLABS_API_KEY: undefined })).tts.synthesizeToCache('Press one', 'en');
  assert.equal(requests.at(-1)!.body.speed, 1.5);
  assert.notEqual(fast, usual, 'cached under another name');
  delete process.env.TTS_SPEED;
});

test('offline eSpeak-NG speaks faster at a higher speed', async () => {
  const { synthesizeOffline } = await import('./tts');
  const { parseWav } = await import('../lib/audio');
  const text = 'Your order of two paneer tikka and four butter naan is ready to confirm.';
  const [usual, fast] = await Promise.all([synthesizeOffline(text, 'en'), synthesizeOffline(text, 'en', 2)]).then((wavs) => wavs.map((w) => parseWav(w).samples.length));
  assert.ok(fast < usual * 0.7, `at 2×: ${fast} samples against ${usual}`);
});
