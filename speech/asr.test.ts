// ASR clients (Whisper-compatible and Deepgram) against a loopback fake GPU host.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resetConfig } from '../lib/config';
import { FakeSpeechHost } from '../test/fakes/speech-host';
import { withEnv } from '../test/support/env';

// Settings the client reads; the URL is filled in once the fake host has a port.
process.env.ASR_MODEL = 'whisper-large-v3';
process.env.ASR_TIMEOUT_SECONDS = '5';
delete process.env.DEEPGRAM_API_KEY;
delete process.env.DEEPGRAM_URL;

const host = new FakeSpeechHost();
let asr: typeof import('./asr');

before(async () => {
  process.env.ASR_URL = await host.start();
  resetConfig();
  asr = await import('./asr');
});
after(() => host.stop());

/** `ms` of a 440 Hz tone, so the WAV has real content. */
function tone(ms: number, sampleRate = 8000): Int16Array {
  const samples = new Int16Array(Math.round((sampleRate * ms) / 1000));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
  return samples;
}

describe('transcribe (Whisper-compatible)', () => {
  test('sends a WAV with model, language and verbose_json; computes confidence', async () => {
    host.enqueueTranscript('haan ji order confirm', { language: 'hi', avgLogprob: -0.2, noSpeechProb: 0.1, segments: 2 });
    const t = await asr.transcribe(tone(1200), 8000, { language: 'hi' });
    const req = host.transcriptions.at(-1)!;
    assert.deepEqual(
      { model: req.model, language: req.language, prompt: req.prompt, fmt: req.responseFormat, temp: req.temperature, rate: req.sampleRate, ms: req.durationMs },
      { model: 'whisper-large-v3', language: 'hi', prompt: undefined, fmt: 'verbose_json', temp: '0', rate: 8000, ms: 1200 },
    );
    assert.equal(t.text, 'haan ji order confirm');
    assert.equal(t.language, 'hi');
    assert.equal(t.durationMs, 1200);
    assert.ok(Math.abs(t.confidence - Math.exp(-0.2) * 0.9) < 1e-9);
  });

  test('English hint is "en"; Hinglish sends "hi" plus a romanized prompt', async () => {
    host.enqueueTranscript('yes', { language: 'english' });
    const en = await asr.transcribe(tone(300, 16000), 16000, { language: 'en' });
    assert.equal(host.transcriptions.at(-1)!.language, 'en');
    assert.equal(host.transcriptions.at(-1)!.sampleRate, 16000);
    assert.equal(en.language, 'en', 'language names are mapped to codes');

    host.enqueueTranscript('haan theek hai', { language: 'hi' });
    await asr.transcribe(tone(300), 8000, { language: 'hinglish' });
    const req = host.transcriptions.at(-1)!;
    assert.equal(req.language, 'hi');
    assert.match(req.prompt ?? '', /theek hai/);
  });

  test('no language hint: none sent', async () => {
    host.enqueueTranscript('hello', { language: 'en' });
    await asr.transcribe(tone(200), 8000, {});
    assert.equal(host.transcriptions.at(-1)!.language, undefined);
  });

  test('plain {text} answer gets confidence 0.5; silence gets 0; confidence is clamped', async () => {
    host.enqueueTranscript('okay', { plain: true });
    const plain = await asr.transcribe(tone(200), 8000, { language: 'en' });
    assert.deepEqual([plain.text, plain.confidence, plain.language, plain.durationMs], ['okay', 0.5, 'en', 200]);

    host.enqueueTranscript('  ', {});
    assert.equal((await asr.transcribe(tone(200), 8000)).confidence, 0);

    host.enqueueTranscript('yes', { avgLogprob: 0.5, noSpeechProb: -1 }); // nonsense numbers
    assert.equal((await asr.transcribe(tone(200), 8000)).confidence, 1);
  });

  test('5xx and 429 are retryable, 4xx is not, network errors are retryable', async () => {
    const failWith = async (status: number) => {
      host.failNext(status);
      return assert.rejects(asr.transcribe(tone(100), 8000), (err: unknown) => err instanceof asr.AsrError && err.status === status && err.retryable === (status >= 500 || status === 429));
    };
    await failWith(500);
    await failWith(503);
    await failWith(429);
    await failWith(400);
    await failWith(413);

    await withEnv({ ASR_URL: 'http://127.0.0.1:1' }, () =>
      assert.rejects(asr.transcribe(tone(100), 8000), (err: unknown) => err instanceof asr.AsrError && err.retryable && err.status === undefined),
    );
    await withEnv({ ASR_URL: undefined }, () =>
      assert.rejects(asr.transcribe(tone(100), 8000), (err: unknown) => err instanceof asr.AsrError && !err.retryable),
    );
  });

  test('empty queue on the fake means 500 (retryable); a default transcript answers instead', async () => {
    await assert.rejects(asr.transcribe(tone(100), 8000), (err: unknown) => err instanceof asr.AsrError && err.retryable);
    host.defaultTranscript = { text: 'default' };
    try {
      assert.equal((await asr.transcribe(tone(100), 8000)).text, 'default');
    } finally {
      host.defaultTranscript = undefined;
    }
  });
});

describe('transcribeWithDeepgram', () => {
  test('raw PCM with query parameters and Token auth; selected by DEEPGRAM_API_KEY', async () => {
    await withEnv({ DEEPGRAM_API_KEY: 'dg-key', DEEPGRAM_URL: host.url }, async () => {
      host.enqueueTranscript('नहीं', { confidence: 0.87 });
      const t = await asr.transcribe(tone(500), 8000, { language: 'hi' }); // goes to Deepgram
      const req = host.deepgram.at(-1)!;
      assert.equal(req.authorization, 'Token dg-key');
      assert.equal(req.bytes, 8000); // 4000 samples × 2 bytes, no WAV header
      assert.deepEqual(
        { model: req.query.model, language: req.query.language, encoding: req.query.encoding, rate: req.query.sample_rate },
        { model: 'nova-2', language: 'hi', encoding: 'linear16', rate: '8000' },
      );
      assert.deepEqual(t, { text: 'नहीं', confidence: 0.87, language: 'hi', durationMs: 500 });

      host.failNext(401);
      await assert.rejects(asr.transcribeWithDeepgram(tone(100), 8000, { language: 'en' }), (err: unknown) => err instanceof asr.AsrError && !err.retryable);
      host.failNext(502);
      await assert.rejects(asr.transcribeWithDeepgram(tone(100), 8000), (err: unknown) => err instanceof asr.AsrError && err.retryable);
    });
  });
});
