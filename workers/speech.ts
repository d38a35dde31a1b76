// Entry point: `npm run worker:speech`.
import { closeCache } from '../lib/cache';
import { logger } from '../lib/logger';
import { connectWorker } from './connection';
import { createSpeechWorker } from './speech-worker';

async function main() {
  const connection = await connectWorker();
  const worker = await createSpeechWorker(connection);
  logger.info({ taskQueue: worker.options.taskQueue }, 'speech worker running');
  await worker.run();
  await connection.close();
  await closeCache();
}

main().catch((err) => {
  logger.fatal({ err }, 'speech worker failed');
  process.exit(1);
});
