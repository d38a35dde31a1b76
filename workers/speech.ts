// Entry point: `npm run worker:speech`.
import { closeCache } from '../lib/cache';
import { logger } from '../lib/logger';
import { connectWorker } from './connection';
import { loadConfig } from '../lib/config';
import { stopTracing } from '../lib/tracing';
import { startWorkerMetrics } from './metrics-listener';
import { createSpeechWorker } from './speech-worker';

async function main() {
  const config = loadConfig();
  const metrics = await startWorkerMetrics(config.SPEECH_WORKER_METRICS_PORT, config.WORKER_METRICS_HOST); // before connecting: it installs the runtime
  const connection = await connectWorker();
  const worker = await createSpeechWorker(connection);
  logger.info({ taskQueue: worker.options.taskQueue }, 'speech worker running');
  await worker.run();
  await connection.close();
  await Promise.all([closeCache(), metrics?.close(), stopTracing()]);
}

main().catch((err) => {
  logger.fatal({ err }, 'speech worker failed');
  process.exit(1);
});
