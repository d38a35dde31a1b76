// Entry point: `npm run worker:calls`.
import { closeCache } from '../lib/cache';
import { closeDb } from '../lib/db';
import { closeCallEventLog } from '../lib/call-events';
import { logger } from '../lib/logger';
import { createCallsWorker } from './calls-worker';
import { connectWorker } from './connection';

async function main() {
  const connection = await connectWorker();
  const worker = await createCallsWorker(connection);
  logger.info({ taskQueue: worker.options.taskQueue }, 'calls worker running');
  await worker.run(); // returns after SIGINT/SIGTERM once in-flight tasks finish
  await connection.close();
  await Promise.all([closeDb(), closeCache(), closeCallEventLog()]);
}

main().catch((err) => {
  logger.fatal({ err }, 'calls worker failed');
  process.exit(1);
});
