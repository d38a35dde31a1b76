// Voicebot calls end to end: real Temporal, PostgreSQL, Redis; fake Exotel, Twilio, ASR host and
// Jupiter; a simulated caller on each provider's media-stream WebSocket speaking real audio.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { twilioSignature } from '../providers/twilio/signature';
import { eventually, STREAM_PASSWORD, useHarness } from './harness';
import { StreamCaller } from './fakes/stream-caller';
import { speak } from './speech';

const { h, db } = useHarness();

const wsBase = () => h.gatewayUrl.replace(/^http/, 'ws');
const exotelAuth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };

async function startQuestionnaire(key: string, provider: 'exotel' | 'twilio', language: 'en' | 'hi' = 'en') {
  const phone = `+9197${key.replace(/\D/g, '').padStart(8, '0').slice(-8)}`;
  const started = await h.api('POST', '/api/nerve/questionnaire', { call_key: key, phone, name: 'Meera', language, provider });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return { callId: started.body.call_id as string, phone };
}

/** Exotel dials the voicebot flow; its Voicebot applet opens our socket. */
async function exotelCaller(callId: string, sampleRate = 8000) {
  const dial = await h.exotel.waitForCall(callId);
  assert.equal(dial.form.Url, 'http://my.exotel.com/test-account/exoml/start_voice/515151');
  const caller = await StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', exotelAuth);
  caller.start(dial.callSid, { callId }, sampleRate);
  return { caller, callSid: dial.callSid };
}

/** Twilio dials, fetches our TwiML, and connects the stream it names. */
async function twilioCaller(callId: string) {
  const dial = await eventually(() => h.twilio.creates.find((c) => c.form.get('Url')?.includes(callId)), 20_000, 'Twilio dial');
  const twiml = await h.twilio.fetchTwiml(dial.callSid);
  const streamUrl = /<Stream url="([^"]+)"/.exec(twiml)?.[1];
  assert.equal(streamUrl, `${wsBase()}/media/twilio`);
  assert.match(twiml, new RegExp(`<Parameter name="callId" value="${callId}"`));
  await h.twilio.sendStatus(dial.callSid, 'in-progress');
  const caller = await StreamCaller.open(streamUrl!, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', streamUrl!) });
  caller.start(dial.callSid, { callId });
  return { caller, callSid: dial.callSid };
}

async function say(caller: StreamCaller, text: string, transcript = text, language: 'en' | 'hi' = 'en', sampleRate = 8000) {
  h.speechHost.enqueueTranscript(transcript, { language });
  caller.speak(await speak(text, language, sampleRate));
  caller.silence(900); // the endpointer needs 600 ms of quiet to close the utterance
}

describe('questionnaire', () => {
  test('by voice over Exotel: three yes answers make the caller eligible; transcript kept', async () => {
    const { callId } = await startQuestionnaire('QV1', 'exotel');
    const { caller } = await exotelCaller(callId);
    const answers = ['Yes, I am.', 'Haan ji.', 'Yes, of course.'];
    for (const answer of answers) {
      await caller.heardPrompt();
      await say(caller, answer);
    }
    const { cache } = await import('../lib/cache');
    const live = JSON.parse((await cache().get(`session:${callId}`)) ?? '{}');
    assert.equal(live.provider, 'exotel', 'live session state is kept in Redis');
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the bot to close the stream after goodbye');
    assert.equal(caller.closed!.code, 1000);

    const result = await h.result(callId);
    assert.equal(result.outcome, 'ELIGIBLE');
    const [report] = h.jupiter.reportsFor('QV1');
    assert.equal(report.body.eligible, true);
    assert.deepEqual(report.body.answers.map((a: any) => [a.answer, a.via, a.heard]), answers.map((a) => ['yes', 'speech', a]));

    // Each utterance reached the ASR host as a WAV of about the spoken length.
    const lengths = await Promise.all(answers.map(async (a) => (await speak(a)).length / 8));
    h.speechHost.transcriptions.slice(-3).forEach((t, i) => {
      assert.equal(t.sampleRate, 8000);
      assert.ok(t.durationMs >= lengths[i] - 50 && t.durationMs <= lengths[i] + 900, `utterance ${i}: ${t.durationMs} ms for ${lengths[i]} ms of speech`);
    });

    const transcript = (await db.pg.query('SELECT speaker, text, confidence FROM call_transcripts WHERE call_id = $1 ORDER BY id', [callId])).rows;
    assert.deepEqual(transcript.filter((t) => t.speaker === 'caller').map((t) => t.text), answers);
    assert.ok(transcript.filter((t) => t.speaker === 'bot').length >= 4, 'questions and the result are in the transcript');
    assert.ok(transcript.find((t) => t.speaker === 'caller').confidence > 0);
  });

  test('a 16 kHz Exotel stream: speech is resampled for the endpointer and prompts for the caller', async () => {
    const { callId } = await startQuestionnaire('Q16', 'exotel');
    const { caller } = await exotelCaller(callId, 16000);
    await caller.heardPrompt();
    // The greeting went out as 16 kHz PCM16: twice the 8 kHz cached prompt's samples, 2 bytes each,
    // in chunks on Exotel's 320-byte grid (the last one padded).
    const chunks = caller.received.filter((m) => m.event === 'media').map((m) => Buffer.from(m.media.payload, 'base64').length);
    assert.ok(chunks.every((n) => n % 320 === 0 && n >= 3200), `chunk sizes ${chunks}`);
    const { prompt } = (await h.api('GET', `/api/nerve/calls/${callId}`)).body;
    const cached = Buffer.from(await (await fetch(prompt.audioUrl)).arrayBuffer());
    const expectedBytes = ((cached.length - 44) / 2) * 2 * 2;
    const sent = chunks.reduce((a, b) => a + b, 0);
    assert.ok(sent >= expectedBytes - 64 && sent < expectedBytes + 3200, `${sent} bytes sent for ${expectedBytes} expected`);
    const spoken = await speak('Yes, I am above eighteen.', 'en', 16000);
    await say(caller, 'Yes, I am above eighteen.', 'yes', 'en', 16000);
    await caller.heardPrompt();
    const heard = h.speechHost.transcriptions.at(-1)!;
    assert.equal(heard.sampleRate, 8000, 'the ASR host gets the 8 kHz utterance');
    const spokenMs = (spoken.length / 16000) * 1000;
    assert.ok(heard.durationMs >= spokenMs - 50 && heard.durationMs <= spokenMs + 900, `${heard.durationMs} ms heard for ${spokenMs} ms spoken`);
    caller.dtmf('1');
    await caller.heardPrompt();
    caller.dtmf('1');
    assert.equal((await h.result(callId)).outcome, 'ELIGIBLE');
  });

  test('by keypad over Twilio; an unclear answer is asked again once', async () => {
    const { callId } = await startQuestionnaire('QT1', 'twilio');
    const { caller } = await twilioCaller(callId);
    await caller.heardPrompt();
    await say(caller, 'Hmm, let me think about it.', 'hmm let me think');
    await caller.heardPrompt(); // the question again
    const state = (await h.api('GET', `/api/nerve/calls/${callId}`)).body;
    assert.equal(state.prompt.id, 'q1_retry');
    caller.dtmf('1');
    await caller.heardPrompt();
    caller.dtmf('2');
    await caller.heardPrompt();
    caller.dtmf('1');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'NOT_ELIGIBLE');
    const [report] = h.jupiter.reportsFor('QT1');
    assert.deepEqual(report.body.answers.map((a: any) => a.answer), ['yes', 'no', 'yes']);
    assert.equal(report.body.answers[0].via, 'keys');
  });

  test('barge-in: speaking over a question stops it and the answer still counts', async () => {
    const { callId } = await startQuestionnaire('QB1', 'exotel', 'hi');
    const { caller } = await exotelCaller(callId);
    await caller.waitFor(() => caller.received.some((m) => m.event === 'media'), 10_000, 'the first question to start');
    await new Promise((r) => setTimeout(r, 700)); // part-way through the greeting
    await say(caller, 'हाँ जी, बिल्कुल', 'haan ji bilkul', 'hi');
    await caller.waitFor(() => caller.clears > 0, 10_000, 'a clear');
    await caller.heardPrompt(); // question 2
    const state = (await h.api('GET', `/api/nerve/calls/${callId}`)).body;
    assert.equal(state.prompt.id, 'q2');
    caller.close(); // and then the caller hangs up mid-question
    const result = await h.result(callId);
    assert.equal(result.outcome, 'NO_RESPONSE');
    assert.deepEqual(h.jupiter.reportsFor('QB1')[0].body.answers.map((a: any) => a.answer), ['yes']);
    const [interruption] = (await db.pg.query("SELECT data FROM call_events WHERE call_id = $1 AND kind = 'prompt_interrupted'", [callId])).rows;
    assert.equal(interruption.data.promptId, 'q1');
    assert.ok(interruption.data.heardMs > 0 && interruption.data.heardMs < interruption.data.totalMs, `heard ${interruption.data.heardMs} of ${interruption.data.totalMs} ms`);
  });
});

describe('the provider ends the stream', () => {
  test("Exotel's stop (callended) mid-question ends the call without waiting for the status callback", async () => {
    const { callId } = await startQuestionnaire('QS1', 'exotel');
    const { caller } = await exotelCaller(callId);
    await caller.heardPrompt();
    caller.dtmf('1');
    await caller.heardPrompt();
    caller.stop();
    await caller.waitFor(() => caller.closed !== undefined, 5000, 'the socket to close');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'NO_RESPONSE');
    assert.deepEqual(h.jupiter.reportsFor('QS1')[0].body.answers.map((a: any) => a.answer), ['yes']);
  });
});

describe('bad media input costs one socket, never the process', () => {
  test('refused upgrades: wrong Exotel credentials 401, bad Twilio signature 403, unknown path 404', async () => {
    await assert.rejects(StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', { Authorization: 'Basic ' + Buffer.from('exotel:nope').toString('base64') }), /401/);
    await assert.rejects(StreamCaller.open(`${wsBase()}/media/twilio`, 'twilio', { 'X-Twilio-Signature': 'bogus' }), /403/);
    await assert.rejects(StreamCaller.open(`${wsBase()}/media/nowhere`, 'exotel', exotelAuth), /404/);
  });

  test('malformed frames, unknown streams and silent sockets are closed or ignored while a live call goes on', async () => {
    const { callId } = await startQuestionnaire('QX1', 'exotel');
    const { caller } = await exotelCaller(callId);

    const garbage = await StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', exotelAuth);
    garbage.send('{"event": "start", ');
    const early = await StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', exotelAuth);
    early.send({ event: 'media', stream_sid: 'x', media: { chunk: '1', timestamp: '0', payload: 'AAAA' } });
    const unknown = await StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', exotelAuth);
    unknown.start('no-such-call-sid', {}, 8000, null); // names no caller either: not a call that rang in (test/inbound.test.ts)
    const silent = await StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', exotelAuth);

    for (const [socket, what] of [[garbage, 'bad JSON'], [early, 'media before start'], [unknown, 'unknown call'], [silent, 'no start']] as const) {
      await socket.waitFor(() => socket.closed !== undefined, 5000, `${what} to close`);
      assert.equal(socket.closed!.code, 1008, what);
    }

    // On the live call: junk frames are logged and skipped.
    caller.send('not json');
    caller.send({ event: 'teleport', stream_sid: 'x' });
    caller.send({ event: 'media', stream_sid: 'x', media: { chunk: '1', timestamp: '0', payload: '@@@@' } });
    caller.send({ event: 'media', stream_sid: 'x', media: { chunk: '1', timestamp: '0', payload: Buffer.from([1, 2, 3]).toString('base64') } });
    for (const _ of [1, 2, 3]) {
      await caller.heardPrompt();
      caller.dtmf('1');
    }
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ELIGIBLE');
    // The junk did not cost the live call its socket: it ends normally, after the goodbye.
    await caller.waitFor(() => caller.closed !== undefined, 20_000, 'the goodbye and close');
    assert.equal(caller.closed!.code, 1000);
    const health = await h.api('GET', '/health', undefined, null);
    assert.equal(health.status, 200);
  });
});

describe('lead qualification', () => {
  test('the model leads the talk until it has the fields; the lead is qualified', async () => {
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'L1', phone: '+919700000011', name: 'Arjun', language: 'en' });
    assert.equal(started.status, 202, JSON.stringify(started.body));
    const { caller } = await exotelCaller(started.body.call_id);
    const turns = [
      { says: 'Yes, tell me.', reply: { say: 'What kind of property are you looking for?', collected: {}, should_end: false, escalate: false } },
      { says: 'A two bedroom flat in Pune.', reply: { say: 'And your budget?', collected: { property_type: '2BHK flat', location: 'Pune' }, should_end: false, escalate: false } },
      { says: 'About eighty lakh.', reply: { say: 'Thank you Arjun, our advisor will call you. Goodbye.', collected: { budget: '80 lakh' }, should_end: true, escalate: false } },
    ];
    for (const turn of turns) {
      await caller.heardPrompt();
      h.speechHost.enqueueReply(turn.reply);
      await say(caller, turn.says);
    }
    const result = await h.result(started.body.call_id);
    assert.equal(result.outcome, 'QUALIFIED');
    const [report] = h.jupiter.reportsFor('L1');
    assert.deepEqual(report.body.fields, { property_type: '2BHK flat', location: 'Pune', budget: '80 lakh' });
    // The model saw the whole conversation, the lead's words as transcribed.
    const lastChat = h.speechHost.chats.at(-1)!.body.messages.map((m: any) => m.content);
    for (const turn of turns) assert.ok(lastChat.includes(turn.says), `the model saw "${turn.says}"`);
    await caller.waitFor(() => caller.closed !== undefined, 20_000, 'goodbye and close');
  });

  test('asking for a person escalates; a slow model is covered by a filler', async () => {
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'L2', phone: '+919700000012', name: 'Sana', language: 'en', fields: ['location'] });
    const { caller } = await exotelCaller(started.body.call_id);
    await caller.heardPrompt();
    h.speechHost.enqueueReply({ say: 'Sure, connecting you to a colleague.', collected: {}, should_end: false, escalate: true });
    h.speechHost.chatDelayMs = 2500;
    try {
      await say(caller, 'Can I talk to a real person please?');
      const spokeAt = Date.now();
      await new Promise((r) => setTimeout(r, 1500));
      assert.ok(caller.mediaAt.some((t) => t > spokeAt), 'the line is not dead while the model thinks');
      const result = await h.result(started.body.call_id);
      assert.equal(result.outcome, 'ESCALATED');
      assert.deepEqual(h.jupiter.reportsFor('L2')[0].body.missing, ['location']);
    } finally {
      h.speechHost.chatDelayMs = 0;
    }
  });

  test('a stalled model: the lead hears an apology within the turn budget, not minutes of silence', async () => {
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'L4', phone: '+919700000014', name: 'Kiran', language: 'en' });
    const { caller } = await exotelCaller(started.body.call_id);
    await caller.heardPrompt();
    h.speechHost.chatDelayMs = 60_000; // the model host accepts the request and never answers in time
    try {
      await say(caller, 'Yes, go ahead.');
      const spokeAt = Date.now();
      const result = await h.result(started.body.call_id);
      const waited = Date.now() - spokeAt;
      assert.equal(result.outcome, 'ESCALATED');
      assert.ok(waited < 15_000, `the call gave up on the model after ${waited} ms`);
      const state = (await h.api('GET', `/api/nerve/calls/${started.body.call_id}`)).body;
      assert.equal(state.prompt.id, 'trouble', 'the last thing played is the apology');
      assert.equal(state.prompt.hangup, true);
    } finally {
      h.speechHost.chatDelayMs = 0;
    }
  });

  test("the carrier's time limit is the call's own limit plus room for the goodbye", async () => {
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'L5', phone: '+919700000015', name: 'Dev', language: 'en', max_call_seconds: 120 });
    const dial = await h.exotel.waitForCall(started.body.call_id);
    assert.equal(dial.form.TimeLimit, '180', 'VOICE limit 120 s + 60 s margin, not CALL_TIME_LIMIT_SECONDS');
    const questionnaire = await startQuestionnaire('QT9', 'twilio');
    const twilioDial = await eventually(() => h.twilio.creates.find((c) => c.form.get('Url')?.includes(questionnaire.callId)), 20_000, 'Twilio dial');
    assert.equal(twilioDial.form.get('TimeLimit'), '660', 'VOICE_MAX_CALL_SECONDS 600 + 60');
    await h.client.workflow.getHandle(started.body.call_id).terminate('test done');
    await h.client.workflow.getHandle(questionnaire.callId).terminate('test done');
  });

  test('the maximum call length ends the call with a polite goodbye', async () => {
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'L3', phone: '+919700000013', name: 'Ravi', language: 'en', max_call_seconds: 6 });
    const { caller } = await exotelCaller(started.body.call_id);
    // The lead says nothing at all.
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the goodbye and close');
    assert.equal(caller.closed!.code, 1000);
    const result = await h.result(started.body.call_id);
    assert.equal(result.outcome, 'NO_RESPONSE');
    const state = (await h.api('GET', `/api/nerve/calls/${started.body.call_id}`)).body;
    assert.equal(state.prompt.id, 'time_up');
  });
});

describe('crash recovery mid-conversation', () => {
  test('the calls worker dies between answers; the conversation goes on and reports once', async () => {
    const { callId } = await startQuestionnaire('QC1', 'exotel');
    const { caller } = await exotelCaller(callId);
    await caller.heardPrompt();
    await say(caller, 'Yes, I am.');
    await caller.heardPrompt();
    await h.killWorker('calls');
    caller.dtmf('1'); // waits in Temporal until a worker is back
    await h.startWorker('calls');
    await caller.heardPrompt();
    caller.dtmf('1');
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ELIGIBLE');
    assert.equal(h.jupiter.reportsFor('QC1').length, 1);
  });
});
