/**
 * Endpointer (over WebRTC VAD) on real speech: English sentences from eSpeak-NG (WASM, offline),
 * resampled to 8 kHz with lib/audio, framed at 20 ms as the media path does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Endpointer, type EndpointerOptions, type SpeechEnd, type SpeechStart } from './endpointer';
import { Vad } from './vad';
import { speak } from '../../test/speech';

const RATE = 8000;
const FRAME = RATE / 50;
const msToSamples = (ms: number) => (ms * RATE) / 1000;
const FIRST = 'Please confirm the order for tomorrow morning.';
const SECOND = 'Yes, I will deliver it at nine.';

const speech = (text: string, rate = RATE) => speak(text, 'en', rate);

const silence = (ms: number) => new Int16Array(msToSamples(ms));

function concat(...parts: Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, part) => n + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Deterministic uniform noise in [-1, 1) (LCG), so a failure reproduces. */
function random(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return seed / 2 ** 31 - 1;
  };
}

/** Uniform white noise with an RMS of `dbfs` (uniform on ±A has RMS A/√3), added with clipping. */
function addNoise(signal: Int16Array, dbfs: number, seed = 1): Int16Array {
  const amplitude = 32768 * 10 ** (dbfs / 20) * Math.sqrt(3);
  const next = random(seed);
  return signal.map((x) => Math.max(-32768, Math.min(32767, Math.round(x + amplitude * next()))));
}

function dbfs(signal: Int16Array): number {
  let sum = 0;
  for (const x of signal) sum += x * x;
  return 10 * Math.log10(sum / signal.length / 32768 ** 2);
}

const firstNonSilent = (s: Int16Array) => s.findIndex((x) => x !== 0);
function lastNonSilent(s: Int16Array): number {
  let i = s.length - 1;
  while (i >= 0 && s[i] === 0) i--;
  return i;
}

type Event = { type: 'start'; event: SpeechStart; speaking: boolean } | { type: 'end'; event: SpeechEnd; speaking: boolean };

/** Feeds `signal` in 20 ms frames; records events with `isSpeaking` as seen right after each. */
async function run(signal: Int16Array, options: Partial<EndpointerOptions> = {}): Promise<Event[]> {
  const endpointer = await Endpointer.create({ sampleRate: RATE, ...options });
  const events: Event[] = [];
  endpointer.on('speech-start', (event) => events.push({ type: 'start', event, speaking: endpointer.isSpeaking }));
  endpointer.on('speech-end', (event) => events.push({ type: 'end', event, speaking: endpointer.isSpeaking }));
  for (let at = 0; at + FRAME <= signal.length; at += FRAME) endpointer.push(signal.subarray(at, at + FRAME));
  endpointer.dispose();
  return events;
}

function utterances(events: Event[]): SpeechEnd[] {
  assert.deepEqual(events.map((e) => e.type), events.flatMap((_, i) => (i % 2 === 0 ? ['start'] : ['end'])), 'starts and ends alternate');
  return events.filter((e) => e.type === 'end').map((e) => e.event as SpeechEnd);
}

/** One utterance around `speechAt..speechEnd` (samples in `signal`), checked against the options. */
function assertUtterance(signal: Int16Array, end: SpeechEnd, speechAt: number, speechEnd: number, endSilenceMs: number): void {
  const onsetMs = (speechAt * 1000) / RATE;
  assert.ok(Math.abs(end.onsetMs - onsetMs) <= 150, `onset ${end.onsetMs} ms, speech begins at ${onsetMs} ms`);
  const audioStart = msToSamples(end.audioStartMs);
  assert.ok(audioStart <= speechAt, `audio starts at ${end.audioStartMs} ms, after the first sound at ${onsetMs} ms`);
  assert.ok(audioStart + end.audio.length > speechEnd, 'the audio reaches the last sound');
  assert.deepEqual(end.audio, signal.subarray(audioStart, audioStart + end.audio.length), 'the audio is the input, pre-roll included');
  assert.equal(end.reason, 'silence');
  assert.equal(end.atMs - end.lastSpeechMs, endSilenceMs, 'ends after exactly the configured silence');
  const speechEndMs = (speechEnd * 1000) / RATE;
  assert.ok(end.atMs >= speechEndMs + endSilenceMs - 100 && end.atMs <= speechEndMs + endSilenceMs + 300, `end at ${end.atMs} ms, speech ended at ${speechEndMs} ms`);
}

test('a sentence between 1 s silences: one utterance, pre-roll included, ended by the configured silence', async () => {
  const sentence = await speech(FIRST);
  const signal = concat(silence(1000), sentence, silence(1000));
  const speechAt = msToSamples(1000) + firstNonSilent(sentence);
  const speechEnd = msToSamples(1000) + lastNonSilent(sentence);
  for (const endSilenceMs of [600, 400]) {
    const events = await run(signal, endSilenceMs === 600 ? {} : { endSilenceMs });
    const [end] = utterances(events);
    assert.equal(events.length, 2);
    assert.deepEqual(events.map((e) => e.speaking), [true, false], 'isSpeaking follows the events');
    assert.ok(events[0].event.atMs - events[0].event.onsetMs >= 250, 'start needs minSpeechMs of speech');
    assertUtterance(signal, end, speechAt, speechEnd, endSilenceMs);
  }
});

test('the same sentence in white noise at -40 dBFS', async () => {
  const sentence = await speech(FIRST);
  const clean = concat(silence(1000), sentence, silence(1000));
  const signal = addNoise(clean, -40);
  const noiseOnly = signal.subarray(0, msToSamples(1000));
  assert.ok(Math.abs(dbfs(noiseOnly) + 40) < 0.5, `noise at ${dbfs(noiseOnly).toFixed(1)} dBFS`);
  const [end, ...rest] = utterances(await run(signal));
  assert.equal(rest.length, 0);
  assertUtterance(signal, end, msToSamples(1000) + firstNonSilent(sentence), msToSamples(1000) + lastNonSilent(sentence), 600);
});

test('two sentences 1.5 s apart are two utterances, in silence and in noise', async () => {
  const [first, second] = await Promise.all([speech(FIRST), speech(SECOND)]);
  const clean = concat(silence(1000), first, silence(1500), second, silence(1000));
  const secondAt = msToSamples(2500) + first.length;
  for (const signal of [clean, addNoise(clean, -40, 2)]) {
    const ends = utterances(await run(signal));
    assert.equal(ends.length, 2);
    assertUtterance(signal, ends[0], msToSamples(1000) + firstNonSilent(first), msToSamples(1000) + lastNonSilent(first), 600);
    // "Yes," alone is shorter than minSpeechMs; it is kept because more speech follows the pause.
    assertUtterance(signal, ends[1], secondAt + firstNonSilent(second), secondAt + lastNonSilent(second), 600);
  }
});

test('a 200 ms click or burst (shorter than minSpeechMs) is no utterance; 500 ms of speech is', async () => {
  const sentence = await speech(FIRST);
  const next = random(7);
  const burst = new Int16Array(msToSamples(200)).map(() => Math.round(16000 * next()));
  const cut = (ms: number) => sentence.slice(msToSamples(400), msToSamples(400 + ms)); // inside "please confirm"
  for (const short of [burst, cut(200)]) {
    const signal = concat(silence(1000), short, silence(1000));
    assert.deepEqual(await run(signal), [], 'in silence');
    assert.deepEqual(await run(addNoise(signal, -40, 3)), [], 'in noise');
  }
  // Control: the same speech for longer does start an utterance, so minSpeechMs is what filtered.
  assert.equal(utterances(await run(concat(silence(1000), cut(500), silence(1000)))).length, 1);
});

test('pure noise is no utterance, in every VAD mode', async () => {
  for (const mode of [0, 1, 2, 3] as const) {
    assert.deepEqual(await run(addNoise(silence(5000), -40, 4), { mode }), [], `-40 dBFS, mode ${mode}`);
    // WebRTC VAD alone calls this speech throughout in modes 0-2; the energy gate rejects it.
    assert.deepEqual(await run(addNoise(silence(5000), -30, 5), { mode }), [], `-30 dBFS, mode ${mode}`);
  }
});

test('noise that starts abruptly after a quiet spell: a known limit, bounded', async () => {
  // Both the VAD's noise model and the energy gate's floor were settled on silence; each takes
  // seconds to learn the new noise. At most one false utterance, over within 3 s.
  const sentence = await speech(FIRST);
  const noiseAt = msToSamples(2000) + sentence.length;
  const signal = concat(silence(1000), sentence, silence(1000), addNoise(silence(5000), -40, 6));
  const [end, ...rest] = utterances(await run(signal));
  assertUtterance(signal, end, msToSamples(1000) + firstNonSilent(sentence), msToSamples(1000) + lastNonSilent(sentence), 600);
  assert.ok(rest.length <= 1);
  for (const falseEnd of rest) assert.ok(falseEnd.lastSpeechMs - (noiseAt * 1000) / RATE < 3000, `false speech until ${falseEnd.lastSpeechMs} ms`);
});

test('maxUtteranceMs forces an end; the speech after it continues without overlap', async () => {
  const sentence = await speech(FIRST);
  const signal = concat(silence(1000), sentence, silence(1000));
  const ends = utterances(await run(signal, { maxUtteranceMs: 1500 }));
  assert.ok(ends.length >= 2);
  assert.equal(ends[0].reason, 'max-length');
  assert.equal(ends[0].audio.length, msToSamples(1500));
  assert.equal(ends[1].audioStartMs, ends[0].audioStartMs + 1500, 'the next utterance picks up where the forced end cut');
});

test('end() closes an utterance in progress (hang-up)', async () => {
  const sentence = await speech(FIRST);
  const endpointer = await Endpointer.create({ sampleRate: RATE });
  const ends: SpeechEnd[] = [];
  endpointer.on('speech-end', (end) => ends.push(end));
  const signal = concat(silence(500), sentence.subarray(0, msToSamples(1000)));
  for (let at = 0; at + FRAME <= signal.length; at += FRAME) endpointer.push(signal.subarray(at, at + FRAME));
  assert.ok(endpointer.isSpeaking);
  endpointer.end();
  assert.equal(endpointer.isSpeaking, false);
  assert.equal(ends.length, 1);
  assert.equal(ends[0].reason, 'stream-end');
  endpointer.dispose();
});

test('works at 16 kHz too', async () => {
  const sentence = await speech(FIRST, 16000);
  const signal = concat(new Int16Array(16000), sentence, new Int16Array(16000));
  const endpointer = await Endpointer.create({ sampleRate: 16000 });
  const ends: SpeechEnd[] = [];
  endpointer.on('speech-end', (end) => ends.push(end));
  for (let at = 0; at + 320 <= signal.length; at += 320) endpointer.push(signal.subarray(at, at + 320));
  endpointer.dispose();
  assert.equal(ends.length, 1);
  assert.ok(ends[0].audioStartMs * 16 <= 16000 + firstNonSilent(sentence));
});

test('options and frames are validated', async () => {
  const bad: Partial<EndpointerOptions>[] = [
    { minSpeechMs: 0 },
    { minSpeechMs: Number.NaN },
    { endSilenceMs: 10 },
    { preRollMs: -20 },
    { maxUtteranceMs: 1000 }, // shorter than the history a start may hold
    { maxUtteranceMs: 10 * 60_000 },
    { sampleRate: 44100 as 8000 },
    { mode: 4 as 3 },
  ];
  for (const options of bad) {
    await assert.rejects(Endpointer.create({ sampleRate: RATE, ...options }), RangeError, JSON.stringify(options));
  }
  const endpointer = await Endpointer.create({ sampleRate: RATE });
  assert.throws(() => endpointer.push(new Int16Array(80)), RangeError, 'a 10 ms frame');
  endpointer.dispose();
  const vad16k = await Vad.create({ sampleRate: 16000 });
  await assert.rejects(async () => new Endpointer(vad16k, { sampleRate: RATE }), RangeError, 'VAD rate mismatch');
  vad16k.dispose();
});
