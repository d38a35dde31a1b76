// Watches a bridged call's media stream from the calls worker: returns when the stream closes or
// its gateway stops vouching for it (the liveness mark expired). Heartbeats while it waits, so a
// dead worker's watch is taken over by another, and the workflow can cancel it.
import { Context } from '@temporalio/activity';
import { cache } from '../lib/cache';
import { readStream } from '../lib/stream-liveness';

const POLL_MS = 500;

/** closed: the provider ended it (the caller hung up); closed-by-us: our goodbye; lost: its gateway died or shut down; never-connected: none came. */
export type StreamWatch = 'closed' | 'closed-by-us' | 'lost' | 'never-connected';

export interface StreamWatchRequest {
  callId: string;
  /** A stream that has not shown up by then is not coming (the provider's hold or flow gave up). */
  connectWithinSeconds: number;
  /**
   * The call had a stream before (re-attached after a loss, back from a person): how that one
   * closed is still in its mark, so only a mark after this stream was seen live counts.
   */
  newStream?: boolean;
}

export async function watchStream({ callId, connectWithinSeconds, newStream = false }: StreamWatchRequest): Promise<StreamWatch> {
  const context = Context.current();
  // A retried attempt (the worker died) remembers that the stream had been seen live.
  let seen = context.info.heartbeatDetails === true;
  const deadline = Date.now() + connectWithinSeconds * 1000;
  for (;;) {
    const mark = await readStream(cache(), callId);
    // Until this stream is seen live, a mark saying how a stream closed is its predecessor's.
    const state = newStream && !seen && mark !== 'live' ? undefined : mark;
    if (state === 'closed' || state === 'closed-by-us') return state;
    if (state === 'handed-over') return 'lost'; // a gateway shutting down let go of it
    if (state === 'live') seen = true;
    else if (seen) return 'lost';
    else if (Date.now() > deadline) return 'never-connected';
    context.heartbeat(seen);
    await context.sleep(POLL_MS); // throws once the workflow cancels the watch (the call ended)
  }
}
