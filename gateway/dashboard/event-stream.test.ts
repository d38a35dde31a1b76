// Unit tests for the SSE endpoint over a real Redis Stream: live delivery, resume after a
// dropped connection with Last-Event-ID (each missed event once, in order), the snapshot's
// `after`, one call's filter, and a Last-Event-ID that is not ours.
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import Redis from 'ioredis';
import { type CallEvent, MemoryCallEventLog, RedisCallEventLog, type CallEventLog } from '../../lib/call-events';
import { CallEventHub } from './event-hub';
import { eventStream } from './event-stream';

interface SseEvent { id: string; event: string; data: any }

/**
 * Opens the stream and resolves once its headers came (the server subscribes before it sends
 * them, so events appended from then on are delivered); `take(count)` then reads until `count`
 * events arrived and drops the connection, as a lost network would.
 */
async function openEvents(url: string, headers: Record<string, string> = {}): Promise<{ take(count: number): Promise<SseEvent[]> }> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
  const take = async (count: number) => {
    const events: SseEvent[] = [];
    const decoder = new TextDecoder();
    let buffer = '';
    const reader = response.body!.getReader();
    while (events.length < count) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const fields = Object.fromEntries(block.split('\n').filter((l) => l && !l.startsWith(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
        if (fields.event) events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data) });
      }
    }
    controller.abort();
    return events;
  };
  return { take };
}

const readEvents = async (url: string, count: number, headers: Record<string, string> = {}) => (await openEvents(url, headers)).take(count);

const said = (callId: string, n: number): CallEvent => ({ type: 'transcript', data: { call_id: callId, line_id: `r:t${n}`, speaker: 'caller', text: `line ${n}`, at: '2026-11-21T10:00:00.000Z' } });

function serve(log: CallEventLog) {
  const hub = new CallEventHub(log, 200);
  const app = express();
  app.get('/stream', eventStream(log, hub));
  app.use((err: any, _req: express.Request, res: express.Response, _next: express.NextFunction) => res.status(err.status ?? 400).json({ error: err.code ?? 'invalid_request' }));
  const server = http.createServer(app);
  return { hub, server };
}

for (const [name, makeLog] of [
  ['Redis Streams', () => new RedisCallEventLog(process.env.REDIS_URL!, `events:test-sse:${process.pid}`)],
  ['in-process log', () => new MemoryCallEventLog()],
] as const) {
  describe(`/dashboard/stream over the ${name}`, { skip: name === 'Redis Streams' && !process.env.REDIS_URL }, () => {
    let log: CallEventLog;
    let hub: CallEventHub;
    let server: http.Server;
    let url = '';
    before(async () => {
      log = makeLog();
      ({ hub, server } = serve(log));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`;
    });
    after(async () => {
      hub.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      if (name === 'Redis Streams') {
        const redis = new Redis(process.env.REDIS_URL!);
        await redis.del(`events:test-sse:${process.pid}`);
        redis.disconnect();
      }
      await log.close();
    });

    test('live events arrive; a reconnect with Last-Event-ID gets each missed event once, then live ones', async () => {
      const stream = await openEvents(url); // open before the events are appended
      const first = stream.take(2);
      await log.append(said('call-A', 1));
      await log.append(said('call-A', 2));
      const seen = await first;
      assert.deepEqual(seen.map((e) => e.data.text), ['line 1', 'line 2']);
      assert.equal(seen[0].event, 'transcript');

      // While the browser is away, three more events happen.
      for (let n = 3; n <= 5; n++) await log.append(said('call-A', n));
      const resumed = (await openEvents(url, { 'Last-Event-ID': seen[1].id })).take(4);
      await log.append(said('call-A', 6)); // and one while it catches up
      const texts = (await resumed).map((e) => e.data.text);
      assert.deepEqual(texts, ['line 3', 'line 4', 'line 5', 'line 6'], 'the missed events in order, nothing twice, then the live one');
    });

    test('`after` from a snapshot replays what came after it; call_id keeps one call', async () => {
      const snapshotAt = await log.lastId();
      await log.append(said('call-B', 1));
      await log.append(said('call-C', 1));
      await log.append({ type: 'call_updated', data: { call_id: 'call-B', speaking: 'bot' } });
      const events = await readEvents(`${url}?after=${snapshotAt}&call_id=call-B`, 2);
      assert.deepEqual(events.map((e) => [e.event, e.data.call_id]), [['transcript', 'call-B'], ['call_updated', 'call-B']]);
    });

    test('a Last-Event-ID that is not an event id is a 400', async () => {
      const response = await fetch(url, { headers: { 'Last-Event-ID': '$' } });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_last_event_id');
    });
  });
}

test('a position older than what the log keeps gets a reset, then the live events', async () => {
  const small = new MemoryCallEventLog(2);
  const { hub, server } = serve(small);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const first = await small.append(said('call-D', 1));
    for (let n = 2; n <= 4; n++) await small.append(said('call-D', n));
    const reading = (await openEvents(`http://127.0.0.1:${(server.address() as AddressInfo).port}/stream`, { 'Last-Event-ID': first })).take(2);
    await small.append(said('call-D', 5));
    const events = await reading;
    assert.deepEqual(events.map((e) => (e.event === 'reset' ? 'reset' : e.data.text)), ['reset', 'line 5'], 'no partial catch-up pretending to be complete');
  } finally {
    hub.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
