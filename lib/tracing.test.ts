import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createContextKey, ROOT_CONTEXT } from '@opentelemetry/api';
import { withEnv } from '../test/support/env';
import { AsyncLocalContextManager } from './async-context';
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

  test('the context manager carries the active context across awaits, and only inside with()', async () => {
    const manager = new AsyncLocalContextManager();
    const key = createContextKey('call');
    const context = ROOT_CONTEXT.setValue(key, 'C1');
    const seen = await manager.with(context, async () => {
      await new Promise((r) => setTimeout(r, 5));
      return manager.active().getValue(key);
    });
    assert.equal(seen, 'C1');
    assert.equal(manager.active(), ROOT_CONTEXT);
    const bound = manager.bind(context, () => manager.active().getValue(key));
    assert.equal(bound(), 'C1');
  });
});
