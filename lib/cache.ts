// A small key-value interface over Redis, with an in-process stand-in for `npm start`
// when REDIS_URL is unset (then the gateway and workers must share one process).
import Redis from 'ioredis';
import { loadConfig } from './config';

export interface Cache {
  getBuffer(key: string): Promise<Buffer | null>;
  get(key: string): Promise<string | null>;
  set(key: string, value: string | Buffer, ttlSeconds: number): Promise<void>;
  /** Sets the key only if it does not exist; true when this call set it (one winner among racing requests). */
  setIfAbsent(key: string, value: string, ttlSeconds: number): Promise<boolean>;
  del(key: string): Promise<void>;
  incr(key: string): Promise<number>;
  /** Keys starting with prefix: scans the keyspace, so only for small operational checks. */
  keys(prefix: string): Promise<string[]>;
  /** Set members (no TTL on the set itself: callers drop members whose own rows expired). */
  sadd(key: string, member: string): Promise<void>;
  srem(key: string, ...members: string[]): Promise<void>;
  smembers(key: string): Promise<string[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

class RedisCache implements Cache {
  constructor(private readonly redis: Redis) {}
  getBuffer(key: string) { return this.redis.getBuffer(key); }
  get(key: string) { return this.redis.get(key); }
  async set(key: string, value: string | Buffer, ttlSeconds: number) {
    await this.redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)));
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    return (await this.redis.set(key, value, 'EX', Math.max(1, Math.ceil(ttlSeconds)), 'NX')) === 'OK';
  }
  async del(key: string) { await this.redis.del(key); }
  incr(key: string) { return this.redis.incr(key); }
  async keys(prefix: string) {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await this.redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      found.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    return found;
  }
  async sadd(key: string, member: string) { await this.redis.sadd(key, member); }
  async srem(key: string, ...members: string[]) { if (members.length) await this.redis.srem(key, ...members); }
  smembers(key: string) { return this.redis.smembers(key); }
  async ping() { await this.redis.ping(); }
  async close() { this.redis.disconnect(); }
}

class MemoryCache implements Cache {
  private readonly entries = new Map<string, { value: string | Buffer; expiresAt: number }>();
  private readonly sets = new Map<string, Set<string>>();
  private live(key: string) {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt < Date.now()) { this.entries.delete(key); return undefined; }
    return entry;
  }
  async getBuffer(key: string) {
    const v = this.live(key)?.value;
    return v === undefined ? null : Buffer.isBuffer(v) ? v : Buffer.from(v);
  }
  async get(key: string) {
    const v = this.live(key)?.value;
    return v === undefined ? null : v.toString();
  }
  async set(key: string, value: string | Buffer, ttlSeconds: number) {
    this.entries.set(key, { value, expiresAt: Date.now() + ttlSeconds * 1000 });
  }
  async setIfAbsent(key: string, value: string, ttlSeconds: number) {
    if (this.live(key)) return false;
    await this.set(key, value, ttlSeconds);
    return true;
  }
  async del(key: string) { this.entries.delete(key); }
  async incr(key: string) {
    const next = Number((await this.get(key)) ?? 0) + 1;
    await this.set(key, String(next), 365 * 24 * 3600);
    return next;
  }
  async keys(prefix: string) { return [...this.entries.keys()].filter((k) => k.startsWith(prefix) && this.live(k)); }
  async sadd(key: string, member: string) {
    const set = this.sets.get(key) ?? new Set<string>();
    this.sets.set(key, set.add(member));
  }
  async srem(key: string, ...members: string[]) { for (const m of members) this.sets.get(key)?.delete(m); }
  async smembers(key: string) { return [...(this.sets.get(key) ?? [])]; }
  async ping() {}
  async close() {}
}

let shared: Cache | undefined;

export function cache(): Cache {
  if (!shared) {
    const { REDIS_URL } = loadConfig();
    shared = REDIS_URL
      ? new RedisCache(new Redis(REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, lazyConnect: false }))
      : new MemoryCache();
  }
  return shared;
}

export async function closeCache(): Promise<void> {
  await shared?.close();
  shared = undefined;
}
