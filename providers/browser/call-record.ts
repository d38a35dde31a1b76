// A simulated call as the "carrier" keeps it: what it is for, which number it rings, until when,
// and how it ended. It lives in Redis so the worker that placed it, the gateway whose tab
// answers and the status reconciliation all read the same thing.
import { z } from 'zod';
import type { Cache } from '../../lib/cache';
import { browserCallKey, browserClaimKey } from '../../lib/keys';
import type { ProviderCallStatus } from '../types';

const RECORD_TTL_SECONDS = 24 * 3600;

const CallRecord = z.object({
  callId: z.string(),
  to: z.string(),
  ringingUntil: z.number(),
  status: z.enum(['ringing', 'in-progress', 'completed', 'no-answer', 'busy', 'failed']),
});
export type BrowserCallRecord = z.infer<typeof CallRecord>;

export async function saveCallRecord(cache: Cache, callSid: string, record: BrowserCallRecord): Promise<void> {
  await cache.set(browserCallKey(callSid), JSON.stringify(record), RECORD_TTL_SECONDS);
}

export async function readCallRecord(cache: Cache, callSid: string): Promise<BrowserCallRecord | undefined> {
  const text = await cache.get(browserCallKey(callSid));
  if (!text) return undefined;
  const parsed = CallRecord.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
}

/** The first tab to answer or decline a ring owns the decision; true for that one only. */
export function claimRing(cache: Cache, callSid: string, decision: string): Promise<boolean> {
  return cache.setIfAbsent(browserClaimKey(callSid), decision, RECORD_TTL_SECONDS);
}

/** What the carrier says of the call: a ring nobody took in time is no-answer, as a phone left ringing. */
export function statusOf(record: BrowserCallRecord | undefined, now = Date.now()): ProviderCallStatus {
  if (!record) return 'failed';
  if (record.status === 'ringing') return now > record.ringingUntil ? 'no-answer' : 'ringing';
  return record.status;
}
