// `npm run bench`: N concurrent simulated vendor calls (default 100, BENCH_CALLS=N) through the
// gateway, a real Temporal server, the workers, PostgreSQL and Redis, with the fake Exotel as
// carrier. Prints the Passthru round trip (digit callback sent -> next prompt returned),
// the start rate, and the workflow history size per call.
import { Harness, vendorOrder } from '../harness';

const CALLS = Number(process.env.BENCH_CALLS ?? 100);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  const h = new Harness();
  await h.start({ env: { LOG_LEVEL: 'error' } });
  try {
    // Warm up: the first call pays for TTS synthesis of shared prompts, connection pools, caches.
    const warmUp = await h.api('POST', '/api/nerve/vendor-order-confirmation', vendorOrder('WARMUP', { vendor_phone: '+919999999999' }));
    await runCall(h, warmUp.body.call_id, []);
    const digitLatencies: number[] = [];

    const startedAt = performance.now();
    const orders = Array.from({ length: CALLS }, (_, i) => vendorOrder(`B${String(i).padStart(5, '0')}`));
    const starts = await Promise.all(orders.map((o) => h.api('POST', '/api/nerve/vendor-order-confirmation', o)));
    const startSeconds = (performance.now() - startedAt) / 1000;
    if (starts.some((s) => s.status !== 202)) throw new Error('a start request failed');

    await Promise.all(starts.map((s) => runCall(h, s.body.call_id, digitLatencies)));
    const totalSeconds = (performance.now() - startedAt) / 1000;

    const histories = await Promise.all(starts.map((s) => h.client.workflow.getHandle(s.body.call_id).fetchHistory()));
    const events = histories.map((hist) => hist.events?.length ?? 0);
    const delivered = h.jupiter.acknowledged().filter((r) => r.body.order_id.startsWith('B')).length;

    digitLatencies.sort((a, b) => a - b);
    const fmt = (n: number) => n.toFixed(1);
    console.log(`
vendor order confirmation calls: ${CALLS} concurrent (Node ${process.version}, ${require('node:os').cpus().length} CPUs)
  start requests:        ${CALLS} accepted in ${startSeconds.toFixed(2)} s = ${(CALLS / startSeconds).toFixed(0)} calls/s started
  full calls:            ${CALLS} completed in ${totalSeconds.toFixed(2)} s = ${(CALLS / totalSeconds).toFixed(1)} calls/s end to end
  digit -> next prompt:  p50 ${fmt(percentile(digitLatencies, 50))} ms, p95 ${fmt(percentile(digitLatencies, 95))} ms, p99 ${fmt(percentile(digitLatencies, 99))} ms (${digitLatencies.length} Passthru callbacks)
  history events/call:   mean ${(events.reduce((a, b) => a + b, 0) / events.length).toFixed(1)}, max ${Math.max(...events)}
  reports to Jupiter:    ${delivered} delivered for ${CALLS} calls
`);
  } finally {
    await h.stop();
  }
}

/** Plays the callee: answer, press 1 (accept), press 2 (30 minutes), hang up. */
async function runCall(h: Harness, callId: string, latencies: number[]): Promise<void> {
  const { callSid } = await h.exotel.waitForCall(callId, 120_000);
  await h.exotel.answer(callSid);
  for (const key of ['1', '2']) {
    const t0 = performance.now();
    const { status } = await h.exotel.press(callSid, key);
    latencies.push(performance.now() - t0);
    if (status !== 200 && status !== 302) throw new Error(`Passthru answered ${status}`);
  }
  await h.exotel.hangUp(callSid);
  await h.result(callId);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
