// GET /dashboard/stream: the call event feed as Server-Sent Events. Each event's id is its
// stream id; a browser that reconnects sends Last-Event-ID and gets what it missed first, then
// the live events, each once and in order. A page that loaded a snapshot passes the snapshot's
// `after` id so nothing between the snapshot and the stream is lost either. A position older than
// what the log still keeps gets a `reset` event: the page must load a fresh snapshot.
import type { Request, Response } from 'express';
import { z } from 'zod';
import { CALL_EVENTS_KEPT, type CallEventLog, compareEventIds, EventIdSchema, type StoredCallEvent } from '../../lib/call-events';
import { HttpError } from '../../lib/http-error';
import type { CallEventHub } from './event-hub';

const HEARTBEAT_MS = 15_000;
const RECONNECT_MS = 2_000;
const RETRY_AFTER_SECONDS = 2;

const StreamQuery = z.object({
  after: EventIdSchema.optional(),
  call_id: z.string().min(1).max(200).optional(),
});

/** The SSE frame of one event: `id`, `event` (its type) and its data as one JSON line. */
export function sseFrame(event: StoredCallEvent): string {
  return `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** Events about one call: its own lines and state; stats are for the overview. */
const aboutCall = (callId: string) => (event: StoredCallEvent) => event.type !== 'metric_updated' && event.data.call_id === callId;

export function eventStream(log: CallEventLog, hub: CallEventHub) {
  return async (req: Request, res: Response) => {
    const query = StreamQuery.parse(req.query);
    const header = req.get('last-event-id');
    if (header !== undefined && !EventIdSchema.safeParse(header).success) throw new HttpError(400, 'invalid_last_event_id', 'Last-Event-ID is not an event id from this stream');
    // On a reconnect the browser's Last-Event-ID is newer than the page's first `after`.
    const resumeFrom = header ?? query.after;
    const wanted = query.call_id ? aboutCall(query.call_id) : () => true;

    let cursor = resumeFrom ?? '0-0';
    let caughtUp = false;
    const held: StoredCallEvent[] = [];
    const send = (event: StoredCallEvent) => {
      if (compareEventIds(event.id, cursor) <= 0) return; // already sent (catch-up and live overlap)
      cursor = event.id;
      if (wanted(event)) res.write(sseFrame(event));
    };
    const unsubscribe = await hub.subscribe((event) => (caughtUp ? send(event) : held.push(event))).catch(() => {
      throw new HttpError(503, 'feed_unavailable', 'the call event feed cannot be read now', RETRY_AFTER_SECONDS);
    });
    if (req.socket.destroyed) {
      unsubscribe(); // the browser left while the feed was being reached
      return;
    }

    res.status(200).set({ 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no', Connection: 'keep-alive' });
    res.flushHeaders();
    res.write(`retry: ${RECONNECT_MS}\n\n`);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
    req.on('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
    });

    try {
      const oldestKept = resumeFrom && (await log.trimmedBefore());
      if (resumeFrom && oldestKept && compareEventIds(resumeFrom, oldestKept) < 0) {
        // Events after the browser's position are gone (the log keeps the newest few thousand):
        // say so, so the page reloads its snapshot instead of silently missing them.
        res.write('event: reset\ndata: {}\n\n');
        cursor = await log.lastId();
      } else if (resumeFrom) {
        for (const event of await log.since(resumeFrom, CALL_EVENTS_KEPT)) send(event);
      }
    } catch {
      res.end(); // the feed is unreadable: the browser reconnects with the same Last-Event-ID
      return;
    }
    for (const event of held.splice(0)) send(event);
    caughtUp = true;
  };
}
