// The ring bus (Redis pub/sub under `npm test`, which provides REDIS_URL; in-process without it)
// and the tab registry that keeps a number's presence fresh.
process.env.NERVE_ENV ??= 'test';
process.env.LOG_LEVEL ??= 'silent';
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { Cache } from '../../lib/cache';
import { Phones } from './phones';
import { closeRingBus, type RingMessage, ringBus } from './ring-bus';

after(() => closeRingBus());

test('a ring published reaches subscribers; a malformed one is refused before it is sent', async () => {
  const received: RingMessage[] = [];
  const unsubscribe = ringBus().subscribe((message) => received.push(message));
  const ring: RingMessage = { kind: 'ring', callSid: 'BR' + 'a'.repeat(32), callId: 'questionnaire-R1', to: '+919000000001', ringingUntil: Date.now() + 1000 };
  // A Redis subscription takes a moment to be in place: publish until it is heard.
  for (let i = 0; i < 100 && received.length === 0; i++) {
    await ringBus().publish(ring);
    await new Promise((r) => setTimeout(r, 20));
  }
  assert.deepEqual(received[0], ring);
  await assert.rejects(ringBus().publish({ kind: 'status', callSid: 'x', callId: 'y', status: 'completed' } as unknown as RingMessage));
  unsubscribe();
  const before = received.length;
  await ringBus().publish(ring);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(received.length, before, 'nothing after unsubscribing');
});

test('Phones: presence while a tab is open, events to that number only, gone with its last tab', async () => {
  const keys = new Map<string, string>();
  const cache = {
    set: async (key: string, value: string) => void keys.set(key, value),
    del: async (key: string) => void keys.delete(key),
  } as unknown as Cache;
  const phones = new Phones(cache);
  const seen: string[] = [];
  const tabA = { send: (event: string) => seen.push(`A:${event}`) };
  const tabB = { send: (event: string) => seen.push(`B:${event}`) };
  await phones.add('+919000000001', tabA);
  await phones.add('+919000000002', tabB);
  assert.deepEqual([...keys.keys()].sort(), ['browser:phone:+919000000001', 'browser:phone:+919000000002']);
  phones.notify('+919000000001', 'ring', {});
  assert.deepEqual(seen, ['A:ring']);
  phones.remove('+919000000001', tabA);
  phones.remove('+919000000002', tabB);
  assert.deepEqual([...keys.keys()], []);
});
