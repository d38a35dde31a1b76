// Metrics end to end: calls run through the real parts, then the gateway's /metrics (bearer
// protected) and the workers' listeners are scraped and each series is checked to have moved by
// what the call did: counts that would be wrong if anything were counted twice or not at all.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { twilioSignature } from '../providers/twilio/signature';
import { inboundCallId } from '../workflows/messages';
import { StreamCaller } from './fakes/stream-caller';
import { eventually, METRICS_TOKEN, STREAM_PASSWORD, useHarness, vendorOrder } from './harness';
import { type Scrape, scrape } from './support/prometheus';
import { speak } from './speech';

const AGENT_LINE = '+14155550177';
const { h } = useHarness({ workerMetrics: true, env: { INBOUND_ROUTES: JSON.stringify({ [AGENT_LINE]: { bot: 'appointment-agent', language: 'en' } }) } });

const gateway = () => scrape(`${h.gatewayUrl}/metrics`, METRICS_TOKEN);
const worker = (kind: 'CALLS' | 'SPEECH') => scrape(`http://127.0.0.1:${process.env[`${kind}_WORKER_METRICS_PORT`]}/metrics`);

/** How much each named series moved between two scrapes. */
const moved = (before: Scrape, after: Scrape) => (name: string, labels: Record<string, string> = {}) => after.value(name, labels) - before.value(name, labels);

describe('/metrics', () => {
  test("the gateway's endpoint wants the metrics token, not Jupiter's", async () => {
    for (const authorization of [undefined, 'Bearer test-api-token', `Bearer ${METRICS_TOKEN}x`]) {
      const response = await fetch(`${h.gatewayUrl}/metrics`, { headers: authorization ? { authorization } : {} });
      assert.equal(response.status, 401, `${authorization}`);
      assert.equal(((await response.json()) as { error: string }).error, 'unauthorized');
    }
    const ok = await gateway();
    assert.ok(ok.has('process_cpu_user_seconds_total'), "the process's own series are there");
  });

  test('a keypad call over Exotel: started, ended by outcome, digit round trips, report attempts, SDK worker metrics', async () => {
    const [gatewayBefore, callsBefore, speechBefore] = await Promise.all([gateway(), worker('CALLS'), worker('SPEECH')]);
    h.jupiter.failNextReports = 1; // one 500 first: one failed attempt, then the delivery
    const order = vendorOrder('M7001');
    const started = await h.api('POST', '/api/nerve/vendor-order-confirmation', order);
    assert.equal(started.status, 202);
    const callId = started.body.call_id as string;
    // The file's first call: prompts are synthesized cold (eSpeak loads) before the dial, so allow for a busy machine.
    const { callSid } = await h.exotel.waitForConnect(order.vendor_phone, 1, 60_000);
    await h.exotel.answer(callSid);
    const live = await eventually(async () => {
      const now = await gateway();
      return now.value('nerve_calls_active', { type: 'vendor-order-confirmation' }) === 1 ? now : undefined;
    }, 20_000, 'the call to show as active');
    assert.equal(live.find('nerve_calls_active', { type: 'vendor-order-confirmation' })[0].value, 1);
    assert.equal((await h.exotel.press(callSid, '1')).status, 200);
    assert.equal((await h.exotel.press(callSid, '2')).status, 302);
    await h.exotel.hangUp(callSid);
    assert.equal((await h.result(callId)).outcome, 'ACCEPTED');

    const [gatewayAfter, callsAfter, speechAfter] = await Promise.all([gateway(), worker('CALLS'), worker('SPEECH')]);
    const onGateway = moved(gatewayBefore, gatewayAfter);
    const onCalls = moved(callsBefore, callsAfter);
    const call = { type: 'vendor-order-confirmation', provider: 'exotel', direction: 'outbound' };

    assert.equal(onCalls('nerve_calls_started_total', call), 1);
    assert.equal(onCalls('nerve_calls_ended_total', { ...call, outcome: 'ACCEPTED' }), 1);
    assert.equal(onCalls('nerve_calls_ended_total'), 1, 'no other outcome counted');
    assert.equal(gatewayAfter.value('nerve_calls_active', { type: 'vendor-order-confirmation' }), 0, 'no longer active');

    assert.equal(onGateway('nerve_turn_round_trip_seconds_count', { input: 'digits', outcome: 'ok' }), 2, 'two keys, two round trips');
    assert.ok(onGateway('nerve_turn_round_trip_seconds_sum', { input: 'digits' }) > 0);
    assert.equal(onGateway('nerve_turn_round_trip_seconds_count', { input: 'speech' }), 0);

    assert.equal(onCalls('nerve_report_delivery_attempts_total', { kind: 'result' }), 2, 'the 500 and the retry');
    assert.equal(onCalls('nerve_report_delivery_failures_total', { kind: 'result', reason: 'unavailable' }), 1);
    assert.equal(onCalls('nerve_report_delivery_failures_total', { kind: 'result', reason: 'rejected' }), 0);
    assert.equal(onCalls('nerve_report_delivery_attempts_total', { kind: 'order_update' }), 1);

    // The prompts were synthesized on the speech worker before dialling (the cache was empty).
    assert.ok(moved(speechBefore, speechAfter)('nerve_speech_request_seconds_count', { service: 'tts', outcome: 'ok' }) >= 1);

    // The Temporal SDK's own worker metrics, from its Prometheus exporter, on the same listener.
    const workflowDone = { workflow_type: 'vendorOrderConfirmation', task_queue: 'calls' };
    assert.equal(onCalls('temporal_workflow_completed', workflowDone), 1);
    assert.ok(callsAfter.has('temporal_worker_task_slots_available', { worker_type: 'ActivityWorker' }));
    assert.ok(onCalls('temporal_activity_execution_latency_count', { activity_type: 'deliverToJupiter' }) >= 3);
    assert.ok(speechAfter.has('temporal_worker_task_slots_available', { task_queue: 'speech' }));
  });

  test('a voice call over a Twilio stream: media frames, jitter, streams open, utterance round trips, ASR', async () => {
    const before = await gateway();
    const callsBefore = await worker('CALLS');
    const started = await h.api('POST', '/api/nerve/questionnaire', { call_key: 'MQ1', phone: '+919700007001', name: 'Meera', language: 'en', provider: 'twilio' });
    assert.equal(started.status, 202);
    const callId = started.body.call_id as string;
    const dial = await eventually(() => h.twilio.creates.find((c) => c.form.get('Url')?.includes(callId)), 20_000, 'Twilio dial');
    const twiml = await h.twilio.fetchTwiml(dial.callSid);
    const streamUrl = /<Stream url="([^"]+)"/.exec(twiml)![1];
    await h.twilio.sendStatus(dial.callSid, 'in-progress');
    const caller = await StreamCaller.open(streamUrl, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', streamUrl) });
    let framesSent = 0;
    const send = caller.send.bind(caller);
    caller.send = (message: any) => {
      if (message?.event === 'media') framesSent++;
      send(message);
    };
    caller.start(dial.callSid, { callId });

    await caller.heardPrompt();
    assert.equal((await gateway()).value('nerve_media_streams_active', { provider: 'twilio' }), 1, 'one stream open');
    for (const answer of ['Yes, I am.', 'Yes.', 'Yes, of course.']) {
      h.speechHost.enqueueTranscript(answer, { language: 'en' });
      caller.speak(await speak(answer, 'en', 8000));
      caller.silence(900);
      await caller.heardPrompt();
    }
    await caller.waitFor(() => caller.closed !== undefined, 30_000, 'the goodbye to close the stream');
    assert.equal((await h.result(callId)).outcome, 'ELIGIBLE');

    const after = await eventually(async () => {
      const now = await gateway();
      return now.value('nerve_media_streams_active', { provider: 'twilio' }) === 0 ? now : undefined;
    }, 10_000, 'the stream to be counted closed');
    const onGateway = moved(before, after);
    const twilio = { provider: 'twilio' };
    assert.equal(onGateway('nerve_media_frame_handling_seconds_count', twilio), framesSent, 'every inbound media frame timed once');
    assert.ok(onGateway('nerve_media_outbound_jitter_seconds_count', twilio) >= 4, 'greeting, three questions... paced out in chunks');
    assert.equal(onGateway('nerve_turn_round_trip_seconds_count', { input: 'speech', outcome: 'ok' }), 3, 'three answers, three round trips');
    assert.equal(onGateway('nerve_speech_request_seconds_count', { service: 'asr', outcome: 'ok' }), 3, 'three utterances transcribed');

    const onCalls = moved(callsBefore, await worker('CALLS'));
    const call = { type: 'questionnaire', provider: 'twilio', direction: 'outbound' };
    assert.equal(onCalls('nerve_calls_started_total', call), 1);
    assert.equal(onCalls('nerve_calls_ended_total', { ...call, outcome: 'ELIGIBLE' }), 1);
  });

  test('a lead call: each LLM completion timed once on the speech worker', async () => {
    const speechBefore = await worker('SPEECH');
    const callsBefore = await worker('CALLS');
    const chatsBefore = h.speechHost.chats.length;
    const started = await h.api('POST', '/api/nerve/lead-qualification', { lead_id: 'ML1', phone: '+919700007002', name: 'Arjun', language: 'en', fields: ['location'] });
    assert.equal(started.status, 202);
    const callId = started.body.call_id as string;
    const dial = await h.exotel.waitForCall(callId);
    const caller = await StreamCaller.open(`${h.gatewayUrl.replace(/^http/, 'ws')}/media/exotel`, 'exotel', {
      Authorization: 'Basic ' + Buffer.from(`exotel:${STREAM_PASSWORD}`).toString('base64'),
    });
    caller.start(dial.callSid, { callId });
    await caller.heardPrompt();
    h.speechHost.enqueueReply({ say: 'Thank you, our advisor will call you. Goodbye.', collected: { location: 'Pune' }, should_end: true, escalate: false });
    h.speechHost.enqueueTranscript('A flat in Pune.', { language: 'en' });
    caller.speak(await speak('A flat in Pune.', 'en', 8000));
    caller.silence(900);
    assert.equal((await h.result(callId)).outcome, 'QUALIFIED');

    const completions = h.speechHost.chats.length - chatsBefore;
    assert.ok(completions >= 1);
    const onSpeech = moved(speechBefore, await worker('SPEECH'));
    assert.equal(onSpeech('nerve_speech_request_seconds_count', { service: 'llm', outcome: 'ok' }), completions, 'one observation per completion the host answered');
    const onCalls = moved(callsBefore, await worker('CALLS'));
    assert.equal(onCalls('nerve_calls_ended_total', { type: 'lead-qualification', provider: 'exotel', direction: 'outbound', outcome: 'QUALIFIED' }), 1);
    assert.ok(onCalls('temporal_activity_execution_latency_count', { activity_type: 'llmTurn' }) === 0, 'LLM turns run on the speech queue, not here');
    assert.ok(onSpeech('temporal_activity_execution_latency_count', { activity_type: 'llmTurn' }) >= 1);
  });

  test('an appointment-agent call that rang in: Realtime connect and response latency, counted as inbound', async () => {
    const before = await gateway();
    const callsBefore = await worker('CALLS');
    h.realtime.script([
      { expectSpeech: false, respond: { say: 'Hello, City Clinic. How can I help?', audioMs: 600 } },
      { transcript: 'When are you open?', respond: { say: 'We are open from nine to five on weekdays.', audioMs: 500 } },
    ]);
    const callSid = h.twilio.incomingCall({ from: '+919812347001', to: AGENT_LINE, voiceUrl: `${h.gatewayUrl}/webhooks/twilio/voice`, statusCallback: `${h.gatewayUrl}/webhooks/twilio/status` });
    const turn = await h.twilio.ring(callSid);
    assert.equal(turn.status, 200, turn.twiml);
    const caller = await StreamCaller.open(turn.stream!.url, 'twilio', { 'X-Twilio-Signature': twilioSignature('test-twilio-token', turn.stream!.url) });
    caller.start(callSid, turn.stream!.parameters);
    await sleep(800); // the greeting plays
    caller.speak(await speak('When are you open?', 'en'));
    caller.silence(800);
    // The fake's own voice detection hears the question and the model answers (no response.create of ours).
    await eventually(async () => ((await gateway()).value('nerve_realtime_response_seconds_count') > before.value('nerve_realtime_response_seconds_count') ? true : undefined), 20_000, 'the answer timed');
    await sleep(800);
    caller.stop();
    const callId = inboundCallId('twilio', callSid);
    const { outcome } = await h.result(callId);

    const onGateway = moved(before, await gateway());
    assert.equal(onGateway('nerve_realtime_connect_seconds_count', { outcome: 'ok' }), 1, 'one session opened');
    assert.equal(onGateway('nerve_realtime_connect_seconds_count', { outcome: 'error' }), 0);
    assert.equal(onGateway('nerve_realtime_response_seconds_count'), 1, 'one answer to one question (the greeting followed no speech)');
    const onCalls = moved(callsBefore, await worker('CALLS'));
    const call = { type: 'appointment-agent', provider: 'twilio', direction: 'inbound' };
    assert.equal(onCalls('nerve_calls_started_total', call), 1);
    assert.equal(onCalls('nerve_calls_ended_total', { ...call, outcome }), 1);
  });

  test('label values stay bounded: no call ids or phone numbers in any series', async () => {
    const [g, c] = await Promise.all([gateway(), worker('CALLS')]);
    for (const sample of [...g.samples, ...c.samples].filter((s) => s.name.startsWith('nerve_'))) {
      for (const value of Object.values(sample.labels)) {
        assert.doesNotMatch(value, /M7001|MQ1|ML1|inbound-|\+?\d{7,}|CA[0-9a-f]{8}/, `${sample.name} ${JSON.stringify(sample.labels)}`);
      }
    }
  });
});
