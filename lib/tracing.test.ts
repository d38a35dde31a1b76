import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { withEnv } from '../test/support/env';
import { startTracing, tracingClientInterceptors, tracingWorkerOptions } from './tracing';

describe('tracing', () => {
  test('off without OTEL_EXPORTER_OTLP_ENDPOINT: no interceptors, no sinks, the plain workflow bundle', async () => {
    await withEnv({ NERVE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: undefined }, async () => {
      const tracing = startTracing('calls-worker');
      assert.equal(tracing, undefined);
      assert.equal(tracingClientInterceptors(tracing), undefined);
      assert.deepEqual(tracingWorkerOptions(tracing), {});
    });
  });

  test('a bad endpoint is a configuration error at start-up', async () => {
    await assert.rejects(withEnv({ NERVE_ENV: 'test', OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }, async () => startTracing('gateway')), /OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
