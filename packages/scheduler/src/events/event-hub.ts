import type { Redis } from 'ioredis';
import { duplicateQuietly } from '../redis/index.js';
import type { Logger } from '@nightshift/proto';
import type { Keys } from '../jobs/index.js';
import { parseEntry, type JobEventEntry } from './job-event.js';

type Listener = (event: JobEventEntry) => void;

interface Reader {
  listeners: Set<Listener>;
  conn: Redis;
  lastId: string;
  stopped: boolean;
}

/**
 * Fans a tenant's event stream out to its watchers: one blocking XREAD per
 * tenant with watchers, however many watchers it has, ending with the last.
 */
export class EventHub {
  private readonly readers = new Map<string, Reader>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly log: Logger,
  ) {}

  /**
   * Starts delivering the tenant's events to `listener`. Every event written
   * after this resolves is delivered (and possibly a few from just before).
   */
  async subscribe(tenant: string, listener: Listener): Promise<() => void> {
    let reader = this.readers.get(tenant);
    if (!reader) {
      // An explicit start id, not "$": nothing written between here and the first XREAD is missed.
      const last = await this.redis.xrevrange(this.keys.events(tenant), '+', '-', 'COUNT', 1);
      reader = this.readers.get(tenant);
      if (!reader) {
        reader = { listeners: new Set(), conn: duplicateQuietly(this.redis), lastId: last[0]?.[0] ?? '0-0', stopped: false };
        this.readers.set(tenant, reader);
        void this.read(tenant, reader);
      }
    }
    reader.listeners.add(listener);
    const r = reader;
    return () => {
      r.listeners.delete(listener);
      if (r.listeners.size === 0 && this.readers.get(tenant) === r) {
        this.readers.delete(tenant);
        r.stopped = true;
        r.conn.disconnect();
      }
    };
  }

  close(): void {
    for (const r of this.readers.values()) {
      r.stopped = true;
      r.conn.disconnect();
    }
    this.readers.clear();
  }

  private async read(tenant: string, r: Reader): Promise<void> {
    const key = this.keys.events(tenant);
    while (!r.stopped) {
      try {
        const reply = (await r.conn.xread('COUNT', 1000, 'BLOCK', 5000, 'STREAMS', key, r.lastId)) as Array<[string, Array<[string, string[]]>]> | null;
        for (const [, entries] of reply ?? []) {
          for (const [id, flat] of entries) {
            r.lastId = id;
            const event = parseEntry(id, flat);
            for (const l of r.listeners) l(event);
          }
        }
      } catch (err) {
        if (r.stopped) return;
        this.log.warn({ err, tenant }, 'event stream read failed; retrying');
        await new Promise((res) => setTimeout(res, 500));
      }
    }
  }
}
