// ASR and LLM clients against a loopback fake GPU host, and the yes/no classifier.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { resetConfig } from '../lib/config';
import { FakeSpeechHost } from './fakes/speech-host';
import { classifyKeypad, classifyYesNo } from '../workflows/yes-no';

// Settings the clients read; the URLs are filled in once the fake host has a port.
process.env.ASR_MODEL = 'whisper-large-v3';
process.env.ASR_TIMEOUT_SECONDS = '5';
process.env.LLM_MODEL = 'test-llm';
process.env.LLM_API_KEY = 'sk-test';
process.env.LLM_TIMEOUT_SECONDS = '5';
delete process.env.DEEPGRAM_API_KEY;
delete process.env.DEEPGRAM_URL;

const host = new FakeSpeechHost();
let asr: typeof import('../speech/asr');
let llm: typeof import('../speech/llm');

before(async () => {
  const url = await host.start();
  process.env.ASR_URL = url;
  process.env.LLM_URL = url;
  resetConfig();
  asr = await import('../speech/asr');
  llm = await import('../speech/llm');
});
after(() => host.stop());

/** `ms` of a 440 Hz tone, so the WAV has real content. */
function tone(ms: number, sampleRate = 8000): Int16Array {
  const samples = new Int16Array(Math.round((sampleRate * ms) / 1000));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / sampleRate));
  return samples;
}

/** Runs fn with extra env (and a fresh config), then restores both. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, val] of Object.entries(v)) val === undefined ? delete process.env[k] : (process.env[k] = val);
    resetConfig();
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
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

describe('chatTurn', () => {
  const input = {
    system: 'You confirm restaurant orders.',
    history: [
      { role: 'assistant' as const, content: 'Can you prepare order 42?' },
      { role: 'user' as const, content: 'haan, 20 minute lagenge' },
    ],
    fields: ['accepted', 'prep_time_minutes'],
  };

  function failure(type: string, nonRetryable: boolean) {
    return (err: unknown) => err instanceof ApplicationFailure && err.type === type && err.nonRetryable === nonRetryable;
  }

  test('parses a good reply and sends the expected request', async () => {
    host.enqueueReply({ say: 'Thank you!', collected: { accepted: 'yes', prep_time_minutes: 20, extra: 'x', reason: null }, should_end: true, escalate: false });
    const reply = await llm.chatTurn(input);
    assert.deepEqual(reply, { say: 'Thank you!', collected: { accepted: 'yes', prep_time_minutes: '20' }, should_end: true, escalate: false });

    const { body, authorization } = host.chats.at(-1)!;
    assert.equal(authorization, 'Bearer sk-test');
    assert.equal(body.model, 'test-llm');
    assert.equal(body.temperature, 0.2);
    assert.deepEqual(body.response_format, { type: 'json_object' });
    assert.equal(body.messages.length, 3);
    assert.equal(body.messages[0].role, 'system');
    assert.match(body.messages[0].content, /^You confirm restaurant orders\./);
    assert.match(body.messages[0].content, /JSON.*"prep_time_minutes"/s);
    assert.deepEqual(body.messages.slice(1), input.history);
  });

  test('repairs once after an invalid reply', async () => {
    host.enqueueReply('Sure! Here you go: {say: oops');
    host.enqueueReply({ say: 'Okay.', collected: {}, should_end: false, escalate: false });
    const before = host.chats.length;
    const reply = await llm.chatTurn(input);
    assert.equal(reply.say, 'Okay.');
    assert.equal(host.chats.length, before + 2);
    const repair = host.chats.at(-1)!.body.messages;
    assert.deepEqual(repair.at(-2), { role: 'assistant', content: 'Sure! Here you go: {say: oops' });
    assert.equal(repair.at(-1).role, 'user');
    assert.match(repair.at(-1).content, /JSON/);
  });

  test('fails non-retryably with LlmBadReply after two bad replies', async () => {
    host.enqueueReply({ say: 'hi', should_end: 'no', escalate: false }); // wrong type
    host.enqueueReply('still not json');
    await assert.rejects(llm.chatTurn(input), failure('LlmBadReply', true));
  });

  test('maps HTTP failures and missing configuration', async () => {
    host.failNext(500);
    await assert.rejects(llm.chatTurn(input), failure('LlmUnavailable', false));
    host.failNext(429);
    await assert.rejects(llm.chatTurn(input), failure('LlmUnavailable', false));
    host.failNext(400);
    await assert.rejects(llm.chatTurn(input), failure('LlmRejected', true));
    await withEnv({ LLM_URL: 'http://127.0.0.1:1' }, () => assert.rejects(llm.chatTurn(input), failure('LlmUnavailable', false)));
    await withEnv({ LLM_URL: undefined }, () => assert.rejects(llm.chatTurn(input), failure('LlmNotConfigured', true)));
  });

  test('no API key: no Authorization header', async () => {
    await withEnv({ LLM_API_KEY: undefined }, async () => {
      host.enqueueReply({ say: 'Hello', collected: {}, should_end: false, escalate: false });
      await llm.chatTurn(input);
      assert.equal(host.chats.at(-1)!.authorization, undefined);
    });
  });
});

describe('classifyYesNo', () => {
  const cases: [string, 'yes' | 'no' | undefined][] = [
    // every yes phrase
    ...(['yes', 'yeah', 'yep', 'yup', 'sure', 'of course', 'correct', 'right', 'ok', 'okay', 'haan', 'han', 'haa', 'ha', 'haanji', 'ji', 'ji haan',
      'bilkul', 'theek hai', 'thik hai', 'sahi', 'zaroor', 'हाँ', 'हां', 'जी', 'जी हाँ', 'बिल्कुल', 'ठीक है', 'ज़रूर', 'सही'] as const).map(
      (p): [string, 'yes'] => [p, 'yes'],
    ),
    // every no phrase
    ...(['no', 'nope', 'nah', 'not really', 'nahi', 'nahin', 'nai', 'na', 'mat', 'bilkul nahi', 'नहीं', 'ना', 'बिल्कुल नहीं', 'जी नहीं'] as const).map(
      (p): [string, 'no'] => [p, 'no'],
    ),
    // normalization
    ['Yes!', 'yes'],
    ['  OKAY,   sure.  ', 'yes'],
    ['हाँ जी।', 'yes'],
    ['ज़रूर', 'yes'],
    ['जरूर', 'yes'], // without nukta
    ['नहीं।', 'no'],
    ['Haan ji, order ready ho jayega', 'yes'],
    ['Ji haan bilkul', 'yes'],
    // whole words only
    ['I know', undefined],
    ['hana', undefined],
    ['nobody', undefined],
    ['yesterday', undefined],
    ['knowledge', undefined],
    ['nahiin', undefined],
    ['', undefined],
    ['hello, kaun bol raha hai?', undefined],
    // negation wins
    ['haan nahi', 'no'],
    ['okay no', 'no'],
    ['yes, no', 'no'],
    ['of course not', 'no'],
    ['that is not right', 'no'],
    ['ji nahi', 'no'],
    ['nahi ji', 'no'],
    ['na ji', 'no'],
    ['abhi mat bhejo', 'no'],
    // "na" as a tag after yes
    ['haan na', 'yes'],
    ['theek hai na', 'yes'],
    ['हाँ ना', 'yes'],
    // don't-know answers are asked again
    ['pata nahi', undefined],
    ['पता नहीं', undefined],
    ["I don't know", undefined],
    ['not sure', undefined],
    ['maybe', undefined],
    ['no, not sure', 'no'],
    ['no problem', 'yes'],
  ];

  for (const [text, expected] of cases) {
    test(`${JSON.stringify(text)} → ${expected}`, () => assert.equal(classifyYesNo(text), expected));
  }
});

describe('classifyKeypad', () => {
  test('1 is yes, 2 is no, anything else is not an answer', () => {
    assert.equal(classifyKeypad('1'), 'yes');
    assert.equal(classifyKeypad('2'), 'no');
    assert.equal(classifyKeypad('1#'), 'yes');
    assert.equal(classifyKeypad(' 2 '), 'no');
    for (const d of ['0', '3', '9', '*', '#', '', '12', '11']) assert.equal(classifyKeypad(d), undefined, d);
  });
});
