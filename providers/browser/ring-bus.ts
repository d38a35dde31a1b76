// How a ring reaches the tab whichever process holds it: the calls worker (placeCall) and every
// gateway meet on one Redis pub/sub channel. Without REDIS_URL (`npm start` runs everything in
// one process) an in-process emitter does the same. Messages are checked on the way in: the
// channel is shared, and a stranger's message must not crash a gateway.
import { EventEmitter } from 'node:events';
import Redis from 'ioredis';
import { z } from 'zod';
import { loadConfig } from '../../lib/config';
import { BROWSER_RING_CHANNEL } from '../../lib/keys';
import { logger } from '../../lib/logger';

const callSid = z.string().min(1).max(64);
const callId = z.string().min(1).max(200);

export const RingMessage = z.discriminatedUnion('kind', [
  /** A call for `to`: every tab open for that number rings until one answers or declines, or `ringingUntil` (epoch ms) passes. */
  z.object({ kind: z.literal('ring'), callSid, callId, to: z.string().max(32), ringingUntil: z.number().int() }),
  /** The ring is over for every other tab: one answered or declined it, or nobody did in time. */
  z.object({ kind: z.literal('ring-ended'), callSid, to: z.string().max(32), reason: z.enum(['answered', 'declined', 'no-answer']) }),
  /** A carrier-style status callback: the gateways pass it to the call's workflow (no tab was open: no-answer). */
  z.object({ kind: z.literal('status'), callSid, callId, status: z.enum(['no-answer', 'busy', 'failed']) }),
]);
export type RingMessage = z.infer<typeof RingMessage>;

export interface RingBus {
  publish(message: RingMessage): Promise<void>;
  /** Returns the unsubscribe function. */
  subscribe(listener: (message: RingMessage) => void): () => void;
  close(): Promise<void>;
}

class RedisRingBus implements RingBus {
  private publisher?: Redis;
  private subscriber?: Redis;
  private readonly listeners = new Set<(message: RingMessage) => void>();

  constructor(private readonly url: string) {}

  async publish(message: RingMessage): Promise<void> {
    const checked = RingMessage.parse(message);
    this.publisher ??= new Redis(this.url, { maxRetriesPerRequest: 2 });
    await this.publisher.publish(BROWSER_RING_CHANNEL, JSON.stringify(checked));
  }

  subscribe(listener: (message: RingMessage) => void): () => void {
    if (!this.subscriber) {
      this.subscriber = new Redis(this.url);
      this.subscriber.on('message', (_channel: string, text: string) => this.deliver(text));
      this.subscriber.subscribe(BROWSER_RING_CHANNEL).catch((err: Error) => logger.error({ err: err.message }, 'could not subscribe to simulator rings'));
    }
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private deliver(text: string): void {
    let message: RingMessage;
    try {
      message = RingMessage.parse(JSON.parse(text));
    } catch {
      return void logger.warn('ignored a malformed message on the simulator ring channel');
    }
    for (const listener of this.listeners) listener(message);
  }

  async close(): Promise<void> {
    this.publisher?.disconnect();
    this.subscriber?.disconnect();
    this.publisher = this.subscriber = undefined;
    this.listeners.clear();
  }
}

class LocalRingBus implements RingBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  async publish(message: RingMessage): Promise<void> {
    const checked = RingMessage.parse(message);
    setImmediate(() => this.emitter.emit('message', checked)); // delivered later, as Redis would
  }
  subscribe(listener: (message: RingMessage) => void): () => void {
    this.emitter.on('message', listener);
    return () => this.emitter.off('message', listener);
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

let shared: RingBus | undefined;

export function ringBus(): RingBus {
  const { REDIS_URL } = loadConfig();
  return (shared ??= REDIS_URL ? new RedisRingBus(REDIS_URL) : new LocalRingBus());
}

export async function closeRingBus(): Promise<void> {
  await shared?.close();
  shared = undefined;
}
