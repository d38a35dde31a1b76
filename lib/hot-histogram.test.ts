import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import client from 'prom-client';
import { HotHistogram } from './hot-histogram';

describe('HotHistogram', () => {
  test('reads out exactly as a prom-client histogram fed the same observations', async () => {
    const bounds = [0.001, 0.01, 0.1];
    const hot = new client.Registry();
    const reference = new client.Registry();
    const lean = new HotHistogram('frame_seconds', 'Frame time', 'provider', bounds, hot);
    const full = new client.Histogram({ name: 'frame_seconds', help: 'Frame time', labelNames: ['provider'], buckets: bounds, registers: [reference] });
    const observations: [string, number][] = [['twilio', 0.0005], ['twilio', 0.001], ['twilio', 0.05], ['exotel', 0.2], ['twilio', 0.5], ['exotel', 0.002]];
    for (const [provider, value] of observations) {
      lean.labels(provider).observe(value);
      full.labels(provider).observe(value);
    }
    assert.equal(await hot.metrics(), await reference.metrics());
    assert.match(await hot.metrics(), /^frame_seconds_bucket\{le="0.001",provider="twilio"\} 2$/m, 'a value on a bound falls in that bucket');
  });

  test('reset zeroes the series a stream still holds', async () => {
    const registry = new client.Registry();
    const histogram = new HotHistogram('jitter_seconds', 'Jitter', 'provider', [0.01], registry);
    const held = histogram.labels('exotel');
    held.observe(0.5);
    histogram.reset();
    held.observe(0.005);
    assert.match(await registry.metrics(), /^jitter_seconds_count\{provider="exotel"\} 1$/m);
    assert.match(await registry.metrics(), /^jitter_seconds_bucket\{le="0.01",provider="exotel"\} 1$/m);
  });
});
