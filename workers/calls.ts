// Entry point: `npm run worker:calls`.
import { closeCache } from '../lib/cache';
import { closeDb } from '../lib/db';
import { logger } from '../lib/logger';
import { createCallsWorker } from './calls-worker';
import { connectWorker } from './connection';
import { loadConfig } from '../lib/config';
import { stopTracing } from '../lib/tracing';
import { startWorkerMetrics } from './metrics-listener';

async function main() {
  const config = loadConfig();
  const metrics = await startWorkerMetrics(config.CALLS_WORKER_METRICS_PORT, config.WORKER_METRICS_HOST); // before connecting: it installs the runtime
  const connection = await connectWorker();
  const worker = await createCallsWorker(connection);
  logger.info({ taskQueue: worker.options.taskQueue }, 'calls worker running');
  await worker.run(); // returns after SIGINT/SIGTERM once in-flight tasks finish
  await connection.close();
  await Promise.all([closeDb(), closeCache(), metrics?.close(), stopTracing()]);
}

main().catch((err) => {
  logger.fatal({ err }, 'calls worker failed');
  process.exit(1);
});
