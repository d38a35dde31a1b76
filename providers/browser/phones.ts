// The simulator tabs this gateway holds, by the number each one answers (its "phone"). A tab is
// an open EventSource; while any tab for a number is open here, the number's presence key in
// Redis is kept fresh so placeCall (in a worker) knows there is someone to ring.
import type { Cache } from '../../lib/cache';
import { browserPhoneKey } from '../../lib/keys';
import { logger } from '../../lib/logger';

/** Presence lapses this long after the last refresh: a gateway that died stops answering for its tabs. */
const PRESENCE_TTL_SECONDS = 15;
const REFRESH_MS = 5_000;

export interface Tab {
  send(event: string, data: Record<string, unknown>): void;
}

export class Phones {
  private readonly tabs = new Map<string, Set<Tab>>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly cache: Cache) {}

  async add(phone: string, tab: Tab): Promise<void> {
    const set = this.tabs.get(phone) ?? new Set<Tab>();
    this.tabs.set(phone, set.add(tab));
    await this.cache.set(browserPhoneKey(phone), '1', PRESENCE_TTL_SECONDS);
    this.timer ??= setInterval(() => this.refresh(), REFRESH_MS);
  }

  remove(phone: string, tab: Tab): void {
    const set = this.tabs.get(phone);
    set?.delete(tab);
    if (set?.size === 0) {
      this.tabs.delete(phone);
      // Another gateway may hold a tab for this number too: it refreshes the key within REFRESH_MS.
      this.cache.del(browserPhoneKey(phone)).catch(() => {});
    }
    if (this.tabs.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  /** Sends an event to every tab open here for the number. */
  notify(phone: string, event: string, data: Record<string, unknown>): void {
    for (const tab of this.tabs.get(phone) ?? []) tab.send(event, data);
  }

  private refresh(): void {
    for (const phone of this.tabs.keys()) {
      this.cache.set(browserPhoneKey(phone), '1', PRESENCE_TTL_SECONDS).catch((err) => logger.warn({ err: (err as Error).message }, 'could not refresh simulator presence'));
    }
  }
}
