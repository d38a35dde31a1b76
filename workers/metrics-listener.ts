// A worker's /metrics: our series (lib/metrics.ts) followed by the Temporal SDK's own worker
// metrics (task slots, poll and schedule-to-start latencies, sticky cache, ...). The SDK's core
// exports those through its Prometheus exporter, which we bind to a private loopback port and
// read on each scrape, so Prometheus needs one target per worker. Unauthenticated: it listens on
// an internal port (WORKER_METRICS_HOST:…_METRICS_PORT) that is never published to the internet.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Runtime } from '@temporalio/worker';
import { logger } from '../lib/logger';
import { collectProcessMetrics, exposition } from '../lib/metrics';

const SDK_SCRAPE_TIMEOUT_MS = 2000;

export interface MetricsListener {
  port: number;
  close(): Promise<void>;
}

/**
 * Installs the Temporal runtime with its Prometheus exporter and starts the listener. Call it
 * before the worker's first connection to Temporal (the runtime is fixed from then on).
 * Port 0 means no listener and no SDK exporter.
 */
export async function startWorkerMetrics(port: number, host: string): Promise<MetricsListener | undefined> {
  if (!port) return undefined;
  const sdkPort = await loopbackPort();
  Runtime.install({ telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${sdkPort}` } } } });
  collectProcessMetrics();
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'not_found', message: 'only GET /metrics here' }));
      return;
    }
    void scrape(sdkPort).then(
      ({ contentType, text }) => res.writeHead(200, { 'Content-Type': contentType, 'Cache-Control': 'no-store' }).end(text),
      (err) => {
        logger.error({ err }, 'metrics scrape failed');
        res.writeHead(500, { 'Content-Type': 'application/json' }).end(JSON.stringify({ error: 'internal', message: 'metrics unavailable' }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = (server.address() as AddressInfo).port;
  logger.info({ port: bound }, 'worker metrics listening');
  return { port: bound, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Ours, then the SDK's; if the SDK's exporter does not answer, ours still go out (with a note). */
async function scrape(sdkPort: number): Promise<{ contentType: string; text: string }> {
  const ours = await exposition();
  let sdk: string;
  try {
    const response = await fetch(`http://127.0.0.1:${sdkPort}/metrics`, { signal: AbortSignal.timeout(SDK_SCRAPE_TIMEOUT_MS) });
    sdk = response.ok ? await response.text() : `# Temporal SDK metrics unavailable: ${response.status}\n`;
  } catch (err) {
    sdk = `# Temporal SDK metrics unavailable: ${(err as Error).message.replace(/\n/g, ' ')}\n`;
  }
  return { contentType: ours.contentType, text: `${ours.text.trimEnd()}\n${sdk}` };
}

/** A loopback port free right now, for the SDK's exporter (it only takes a fixed address). */
async function loopbackPort(): Promise<number> {
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
