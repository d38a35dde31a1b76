// Tracing end to end: with OTEL_EXPORTER_OTLP_ENDPOINT set, one call's spans from the gateway
// (Temporal client), the calls worker (workflow and activities) and the speech worker reach the
// collector in one trace, each activity's span a child of the workflow's StartActivity span.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeOtlpCollector } from './fakes/otlp-collector';
import { eventually, startVendorCall, useHarness } from './harness';

const collector = new FakeOtlpCollector();
const env: Record<string, string> = {};
before(async () => {
  env.OTEL_EXPORTER_OTLP_ENDPOINT = await collector.start(); // read by the harness when it starts, just after
});
const { h } = useHarness({ env });
after(() => collector.stop());

const spanNamed = (name: string, service: string, traceId?: string) =>
  collector.spans.find((s) => s.name === name && s.service === service && (traceId === undefined || s.traceId === traceId));

describe('tracing', () => {
  test('a keypad call is one trace across the gateway, the workflow and its activities', async () => {
    const { callId, callSid } = await startVendorCall(h, 'T8001');
    await h.exotel.answer(callSid);
    await h.exotel.press(callSid, '0');
    await h.exotel.press(callSid, '1');
    await h.exotel.hangUp(callSid);
    assert.equal((await h.result(callId)).outcome, 'REJECTED');

    const start = await eventually(() => spanNamed('StartWorkflow:vendorOrderConfirmation', 'nerve-gateway'), 20_000, "the gateway's start span");
    assert.equal(start.attributes.temporalWorkflowId, callId);
    await eventually(() => spanNamed('RunWorkflow:vendorOrderConfirmation', 'nerve-calls-worker', start.traceId), 20_000, 'the workflow span in the same trace');
    const placed = await eventually(() => spanNamed('RunActivity:placeCall', 'nerve-calls-worker', start.traceId), 20_000, 'the dial activity in the same trace');
    assert.equal(placed.attributes.temporalWorkflowId, callId);
    const scheduled = collector.spans.find((s) => s.spanId === placed.parentSpanId);
    assert.equal(scheduled?.name, 'StartActivity:placeCall', "the activity's parent is the workflow's scheduling span");
    await eventually(() => spanNamed('RunActivity:synthesizePrompts', 'nerve-speech-worker', start.traceId), 20_000, 'the speech worker in the same trace');

    // A key press is its own trace: the gateway's update and the workflow's handling of it.
    const update = await eventually(() => spanNamed('StartWorkflowUpdate:submitDigits', 'nerve-gateway'), 20_000, "the gateway's update span");
    await eventually(() => spanNamed('HandleUpdate:submitDigits', 'nerve-calls-worker', update.traceId), 20_000, 'the workflow handling the update in its trace');
  });
});
