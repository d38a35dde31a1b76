import { NativeConnection } from '@temporalio/worker';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';

/** Connects to Temporal, waiting for it to come up (workers may start before the server). */
export async function connectWorker(timeoutMs = 60_000): Promise<NativeConnection> {
  const { TEMPORAL_ADDRESS } = loadConfig();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      logger.warn({ address: TEMPORAL_ADDRESS }, 'Temporal not reachable yet; retrying');
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}
