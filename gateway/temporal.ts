import { Client, Connection } from '@temporalio/client';
import { loadConfig } from '../lib/config';
import { dataConverter } from '../lib/data-converter';

export async function connectClient(): Promise<Client> {
  const { TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE } = loadConfig();
  const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  return new Client({ connection, namespace: TEMPORAL_NAMESPACE, dataConverter: dataConverter() });
}
