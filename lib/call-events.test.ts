// Unit tests for the call event feed: the schema, id order, both logs (Redis Streams against the
// test Redis, and the in-process one) and a publish that fails without failing its caller.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import Redis from 'ioredis';
import {
  CallEventSchema, type CallEvent, type CallEventLog, compareEventIds, EventIdSchema, MemoryCallEventLog, publishCallEvent, publishFailures, RedisCallEventLog,
} from './call-events';

const line = (n: number): CallEvent => ({ type: 'transcript', data: { call_id: 'questionnaire-Q1', line_id: `r:t${n}`, speaker: 'caller', text: `line ${n}`, at: new Date().toISOString() } });

describe('call events', () => {
  test('the schema takes the six event types and refuses anything else', () => {
    assert.equal(CallEventSchema.parse(line(1)).type, 'transcript');
    assert.equal(CallEventSchema.safeParse({ type: 'call_updated', data: { call_id: 'x', speaking: 'bot' } }).success, true);
    assert.equal(CallEventSchema.safeParse({ type: 'call_updated', data: { call_id: 'x', speaking: 'everyone' } }).success, false);
    assert.equal(CallEventSchema.safeParse({ type: 'call_deleted', data: { call_id: 'x' } }).success, false);
    assert.equal(CallEventSchema.safeParse({ type: 'call_started', data: { call_id: 'x' } }).success, false, 'a start carries the whole summary');
    const handoff = { call_id: 'call-x', call_type: 'support', reason: 'caller_asked', actor: 'rules', at: '2026-11-22T00:00:00.000Z', key: 'r:1' };
    assert.equal(CallEventSchema.safeParse({ type: 'call_handed_off', data: handoff }).success, true);
    assert.equal(CallEventSchema.safeParse({ type: 'call_handed_off', data: { call_id: 'call-x' } }).success, false);
    assert.equal(CallEventSchema.safeParse({ type: 'call_updated', data: { call_id: 'x', lifecycle: 'HANDED_OFF' } }).success, true);
    assert.equal(CallEventSchema.safeParse({ type: 'call_updated', data: { call_id: 'x', lifecycle: 'ON_HOLD' } }).success, false, 'only the lifecycle\'s states');
  });

  test('ids order by time, then sequence, numerically', () => {
    assert.ok(compareEventIds('1700000000000-2', '1700000000000-10') < 0);
    assert.ok(compareEventIds('1700000000001-0', '1700000000000-99') > 0);
    assert.equal(compareEventIds('5-5', '5-5'), 0);
    assert.equal(EventIdSchema.safeParse('1700000000000-0').success, true);
    assert.equal(EventIdSchema.safeParse('$').success, false);
    assert.equal(EventIdSchema.safeParse('1-0; FLUSHALL').success, false);
  });
});

async function behavesAsAnEventLog(log: CallEventLog) {
  const start = await log.lastId();
  const ids = [];
  for (let n = 1; n <= 3; n++) ids.push(await log.append(line(n)));
  assert.deepEqual([...ids].sort(compareEventIds), ids, 'ids grow');
  assert.equal(await log.lastId(), ids[2]);
  const missed = await log.since(ids[0], 100);
  assert.deepEqual(missed.map((e) => e.id), ids.slice(1), 'since is exclusive: the events after the one last seen');
  assert.deepEqual(missed.map((e) => e.type === 'transcript' && e.data.text), ['line 2', 'line 3']);
  assert.deepEqual((await log.since(start, 100)).map((e) => e.id), ids);

  // A blocked reader wakes for the next append.
  const waiting = log.next(ids[2], 5_000);
  const fourth = await log.append(line(4));
  assert.deepEqual((await waiting).map((e) => e.id), [fourth]);
  assert.deepEqual(await log.next(fourth, 50), [], 'nothing new: empty after the block');
}

describe('RedisCallEventLog', () => {
  const stream = `events:test:${process.pid}`;
  const log = new RedisCallEventLog(process.env.REDIS_URL!, stream);
  after(async () => {
    const redis = new Redis(process.env.REDIS_URL!);
    await redis.del(stream);
    redis.disconnect();
    await log.close();
  });

  test('appends, resumes after an id and blocks for new events (XADD, XRANGE, XREAD BLOCK)', { skip: !process.env.REDIS_URL }, () => behavesAsAnEventLog(log));

  test('trimming keeps about the newest events and says which is the oldest kept', { skip: !process.env.REDIS_URL }, async () => {
    const small = new RedisCallEventLog(process.env.REDIS_URL!, `${stream}:small`, 10);
    try {
      assert.equal(await small.trimmedBefore(), undefined);
      const ids = [];
      for (let n = 0; n < 250; n++) ids.push(await small.append(line(n)));
      const oldest = await small.trimmedBefore();
      const kept = await small.since('0-0', 1000);
      assert.ok(kept.length < 250, `${kept.length} kept`);
      assert.equal(oldest, kept[0].id, 'the oldest kept event');
      assert.ok(compareEventIds(oldest!, ids[0]) > 0);
    } finally {
      const redis = new Redis(process.env.REDIS_URL!);
      await redis.del(`${stream}:small`);
      redis.disconnect();
      await small.close();
    }
  });

  test('an entry that is not a current event is skipped, not fatal', { skip: !process.env.REDIS_URL }, async () => {
    const redis = new Redis(process.env.REDIS_URL!);
    const last = await log.lastId();
    await redis.xadd(stream, '*', 'event', '{"type":"from_the_future"}');
    const good = await log.append(line(9));
    redis.disconnect();
    assert.deepEqual((await log.since(last, 10)).map((e) => e.id), [good]);
  });
});

describe('MemoryCallEventLog', () => {
  test('behaves as the Redis log does', () => behavesAsAnEventLog(new MemoryCallEventLog()));

  test('keeps the newest events and says which is the oldest once it trimmed', async () => {
    const log = new MemoryCallEventLog(3);
    assert.equal(await log.trimmedBefore(), undefined);
    const ids = [];
    for (let n = 1; n <= 5; n++) ids.push(await log.append(line(n)));
    assert.equal(await log.trimmedBefore(), ids[2]);
    assert.deepEqual((await log.since('0-0', 10)).map((e) => e.id), ids.slice(2));
  });
});

describe('publishCallEvent', () => {
  test('a log that fails is logged and counted; the caller goes on', async () => {
    const failing = { append: () => Promise.reject(new Error('redis down')) } as unknown as CallEventLog;
    const before = publishFailures.count;
    await publishCallEvent(line(1), failing);
    assert.equal(publishFailures.count, before + 1);
  });

  test('a log that hangs is given up on', async () => {
    const hanging = { append: () => new Promise(() => {}) } as unknown as CallEventLog;
    const before = publishFailures.count;
    await publishCallEvent(line(1), hanging);
    assert.equal(publishFailures.count, before + 1);
  });

  test('an event that breaks its schema is refused before the log', async () => {
    const log = new MemoryCallEventLog();
    await publishCallEvent({ type: 'transcript', data: { call_id: 'x' } } as unknown as CallEvent, log);
    assert.equal(await log.lastId(), '0-0');
  });
});
