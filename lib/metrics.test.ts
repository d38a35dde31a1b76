import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { callsEnded, callsStarted, countCallTransition, directionOf, exposition, speechRequestSeconds, timed, timeSpeech, turnRoundTripSeconds } from './metrics';

const counterValue = async (counter: typeof callsStarted | typeof callsEnded, labels: Record<string, string>) =>
  (await counter.get()).values.filter((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val)).reduce((sum, v) => sum + v.value, 0);

const histogramCount = async (histogram: typeof speechRequestSeconds, labels: Record<string, string>) =>
  (await histogram.get()).values.filter((v) => v.metricName?.endsWith('_count') && Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val)).reduce((sum, v) => sum + v.value, 0);

describe('metrics', () => {
  test('a call is counted started when its row is created and ended when it first completes, never again', async () => {
    const call = { callType: 'rider-assignment' as const, provider: 'twilio' as const };
    const labels = { type: 'rider-assignment', provider: 'twilio', direction: 'outbound' };
    const started = await counterValue(callsStarted, labels);
    const ended = await counterValue(callsEnded, { ...labels, outcome: 'ACCEPTED' });

    countCallTransition('rider-assignment-P1', undefined, { ...call, status: 'SCHEDULED' });
    countCallTransition('rider-assignment-P1', 'SCHEDULED', { ...call, status: 'DIALING' });
    countCallTransition('rider-assignment-P1', 'DIALING', { ...call, status: 'DIALING' }); // a retried write
    assert.equal(await counterValue(callsStarted, labels), started + 1);
    assert.equal(await counterValue(callsEnded, { ...labels, outcome: 'ACCEPTED' }), ended);

    countCallTransition('rider-assignment-P1', 'REPORTING', { ...call, status: 'COMPLETED', outcome: 'ACCEPTED' });
    countCallTransition('rider-assignment-P1', 'COMPLETED', { ...call, status: 'COMPLETED', outcome: 'ACCEPTED' }); // retried or replayed
    assert.equal(await counterValue(callsEnded, { ...labels, outcome: 'ACCEPTED' }), ended + 1);
    assert.equal(await counterValue(callsStarted, labels), started + 1);
  });

  test('a call written complete at once (an inbound call refused early) is started and ended', async () => {
    const labels = { type: 'questionnaire', provider: 'exotel', direction: 'inbound' };
    const before = await counterValue(callsEnded, { ...labels, outcome: 'FAILED' });
    countCallTransition('inbound-exotel-abc', undefined, { callType: 'questionnaire', provider: 'exotel', status: 'COMPLETED', outcome: 'FAILED' });
    assert.equal(await counterValue(callsEnded, { ...labels, outcome: 'FAILED' }), before + 1);
  });

  test('direction comes from the call id', () => {
    assert.equal(directionOf('inbound-twilio-CA123'), 'inbound');
    assert.equal(directionOf('vendor-order-confirmation-inbound-1'), 'outbound');
  });

  test('timed records the outcome and rethrows the error as it was', async () => {
    const ok = await histogramCount(speechRequestSeconds, { service: 'llm', outcome: 'ok' });
    const failed = await histogramCount(speechRequestSeconds, { service: 'llm', outcome: 'error' });
    assert.equal(await timeSpeech('llm', async () => 'reply'), 'reply');
    const boom = new Error('host down');
    await assert.rejects(timeSpeech('llm', () => Promise.reject(boom)), (err) => err === boom);
    assert.equal(await histogramCount(speechRequestSeconds, { service: 'llm', outcome: 'ok' }), ok + 1);
    assert.equal(await histogramCount(speechRequestSeconds, { service: 'llm', outcome: 'error' }), failed + 1);

    await assert.rejects(timed(turnRoundTripSeconds, { input: 'digits' }, () => Promise.reject(new Error('late')), () => 'timeout'));
    assert.equal(await histogramCount(turnRoundTripSeconds, { input: 'digits', outcome: 'timeout' }), 1);
  });

  test('the exposition is the Prometheus text format with every series declared', async () => {
    const { contentType, text } = await exposition();
    assert.match(contentType, /^text\/plain/);
    for (const name of ['nerve_calls_started_total', 'nerve_calls_ended_total', 'nerve_calls_active', 'nerve_media_streams_active', 'nerve_media_frame_handling_seconds',
      'nerve_media_outbound_jitter_seconds', 'nerve_turn_round_trip_seconds', 'nerve_speech_request_seconds', 'nerve_realtime_connect_seconds',
      'nerve_realtime_response_seconds', 'nerve_report_delivery_attempts_total', 'nerve_report_delivery_failures_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });
});
