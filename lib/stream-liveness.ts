// A bridged call's media stream says it is alive in Redis: its gateway refreshes a short-lived
// 'live' mark, and writes how the stream closed when it closes it. A mark that expired means the
// gateway died with the stream open; the call's workflow then re-attaches the call.
import type { Cache } from './cache';
import { streamLivenessKey } from './keys';

/** handed-over: a gateway shutting down let go of a live call, for the workflow to re-attach at once. */
export type StreamLiveness = 'live' | 'closed' | 'closed-by-us' | 'handed-over';

/** How often a live stream refreshes its mark. */
export const STREAM_REFRESH_MS = 1000;
/** A mark not refreshed for this long is gone: a few refreshes may be late, a dead gateway refreshes none. */
const LIVE_TTL_SECONDS = 4;
/** How a stream closed is kept long enough for the workflow's watch to read it. */
const CLOSED_TTL_SECONDS = 600;

export function markStream(cache: Cache, callId: string, state: StreamLiveness): Promise<void> {
  return cache.set(streamLivenessKey(callId), state, state === 'live' ? LIVE_TTL_SECONDS : CLOSED_TTL_SECONDS);
}

export async function readStream(cache: Cache, callId: string): Promise<StreamLiveness | undefined> {
  const value = await cache.get(streamLivenessKey(callId));
  return value === 'live' || value === 'closed' || value === 'closed-by-us' || value === 'handed-over' ? value : undefined;
}
