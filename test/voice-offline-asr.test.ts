// The English yes/no questionnaire by voice against real speech recognition: the caller speaks
// eSpeak-NG audio over the media stream and the speech host (faster-whisper, tiny.en on the CPU)
// transcribes it; no scripted transcripts. Real Temporal, PostgreSQL and Redis; fake Exotel,
// Twilio and Jupiter.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { twilioSignature } from '../providers/twilio/signature';
import { eventually, STREAM_PASSWORD, useHarness } from './harness';
import { StreamCaller } from './fakes/stream-caller';
import { speak } from './speech';

const { h, db } = useHarness({ asr: 'offline' });

const wsBase = () => h.gatewayUrl.replace(/^http/, 'ws');

async function startQuestionnaire(key: string, provider: 'exotel' | 'twilio') {
  const started = await h.api('POST', '/api/nerve/questionnaire', { call_key: key, phone: '+919700001234', name: 'Meera', language: 'en', provider });
  assert.equal(started.status, 202, JSON.stringify(started.body));
  return started.body.call_id as string;
}

/** Exotel's Voicebot applet: 8 kHz PCM16 frames. */
async function exotelCaller(callId: string) {
  const dial = await h.exotel.waitForCall(callId);
  const auth = { Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64') };
  const caller = await StreamCaller.open(`${wsBase()}/media/exotel`, 'exotel', auth);
  caller.start(dial.callSid, { callId });
  return caller;
}

/** Twilio's Media Streams: 8 kHz μ-law frames. */
async function twilioCaller(callId: string) {
  const dial = await eventually(() => h.twilio.creates.find((c) => c.form.get('Url')?.includes(callId)), 20_000, 'Twilio dial');
  const streamUrl = /<Stream url="([^"]+)"/.exec(await h.twilio.fetchTwiml(dial.callSid))![1];
  await h.twilio.sendStatus(dial.callSid, 'in-progress');
  const caller = await StreamCaller.open(streamUrl, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', streamUrl) });
  caller.start(dial.callSid, { callId });
  return caller;
}

/** Answers each question by voice once its prompt has been heard. */
async function answerByVoice(caller: StreamCaller, answers: string[]) {
  for (const answer of answers) {
    await caller.heardPrompt();
    caller.speak(await speak(answer, 'en', 8000));
    caller.silence(900); // the endpointer closes the utterance after 600 ms of quiet
  }
}

describe('questionnaire by voice with real speech recognition', () => {
  test('over Exotel: yes, no, yes is heard as said and reported NOT_ELIGIBLE', async () => {
    const callId = await startQuestionnaire('QASR1', 'exotel');
    const caller = await exotelCaller(callId);
    await answerByVoice(caller, ['Yes, I am.', 'No, I do not.', 'Yes, I can.']);

    const result = await h.result(callId);
    assert.equal(result.outcome, 'NOT_ELIGIBLE');
    const [report] = h.jupiter.reportsFor('QASR1');
    assert.equal(report.body.eligible, false);
    assert.deepEqual(report.body.answers.map((a: any) => [a.answer, a.via]), [['yes', 'speech'], ['no', 'speech'], ['yes', 'speech']]);
    // What the recognizer heard is the caller's words (Whisper's own casing and punctuation).
    const heard = report.body.answers.map((a: any) => a.heard as string);
    assert.match(heard[0], /^yes\b/i);
    assert.match(heard[1], /^no\b/i);
    assert.match(heard[2], /^yes\b/i);

    const transcript = (await db.pg.query("SELECT text, confidence FROM call_transcripts WHERE call_id = $1 AND speaker = 'caller' ORDER BY id", [callId])).rows;
    assert.deepEqual(transcript.map((t) => t.text), heard);
    assert.ok(transcript.every((t) => t.confidence > 0 && t.confidence <= 1), 'a confidence from the segments');
    assert.equal(h.speechHost.transcriptions.length, 0, 'the scripted fake heard nothing');
    assert.deepEqual(h.offlineAsr!.requests.filter((r) => r.startsWith('POST')).map((r) => r.split(' ').slice(0, 3).join(' ')),
      Array(3).fill('POST /v1/audio/transcriptions 200'));
  });

  test('over Twilio (μ-law): three spoken yeses make the caller ELIGIBLE', async () => {
    const callId = await startQuestionnaire('QASR2', 'twilio');
    const caller = await twilioCaller(callId);
    await answerByVoice(caller, ['Yes, I am.', 'Yes, I have one.', 'Yes, I can.']);
    const result = await h.result(callId);
    assert.equal(result.outcome, 'ELIGIBLE');
    const [report] = h.jupiter.reportsFor('QASR2');
    assert.deepEqual(report.body.answers.map((a: any) => [a.answer, a.via]), Array(3).fill(['yes', 'speech']));
  });
});
