// The calls in progress, from their live presence rows (written by the persistence activity).
// Read by /api/nerve/active-calls and by the nerve_calls_active gauge.
import type { Cache } from '../lib/cache';
import { ACTIVE_CALLS_KEY, presenceKey } from '../lib/keys';

export interface LiveCall {
  call_id: string;
  call_type: string;
  business_key: string;
  status: string;
  attempts: number;
  provider_call_id?: string;
}

/** Reads the set of live ids, never the keyspace; ids whose presence row expired are pruned. */
export async function liveCalls(cache: Cache): Promise<LiveCall[]> {
  const ids = await cache.smembers(ACTIVE_CALLS_KEY);
  const rows = await Promise.all(ids.map((id) => cache.get(presenceKey(id))));
  await cache.srem(ACTIVE_CALLS_KEY, ...ids.filter((_, i) => !rows[i]));
  return rows.filter((v): v is string => !!v).map((v) => JSON.parse(v) as LiveCall);
}
