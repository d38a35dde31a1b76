import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { dataConverter } from '../lib/data-converter';
import { startTracing, tracingClientInterceptors } from '../lib/tracing';

/**
 * A lazy connection: the gateway starts (and answers 503 Retry-After) while Temporal is down,
 * and connects on first use, instead of refusing to start.
 */
export async function connectClient(): Promise<Client> {
  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = loadConfig();
  const connection = Connection.lazy({ address: TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: TEMPORAL_NAMESPACE, dataConverter: dataConverter(), interceptors: tracingClientInterceptors(startTracing('gateway')) });
}
