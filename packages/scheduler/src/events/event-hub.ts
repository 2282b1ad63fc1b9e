import type { Redis } from 'ioredis';
import { duplicateQuietly } from '../redis/index.js';
import type { Logger } from '@nightshift/proto';
import type { Keys } from '../jobs/index.js';
import { parseEntry, type JobEventEntry } from './job-event.js';

type Listener = (event: JobEventEntry) => void;

interface Reader {
  /** Watchers of all the tenant's jobs: every event. */
  all: Set<Listener>;
  /** Watchers of given jobs, by job id: only their jobs' events reach them. */
  byJob: Map<string, Set<Listener>>;
  /** Watchers in all. */
  count: number;
  conn: Redis;
  lastId: string;
  stopped: boolean;
}

/** Deliveries between yields to the event loop: a burst to many watchers never holds it for long. */
const DELIVERIES_PER_TURN = 256;

/**
 * Fans a tenant's event stream out to its watchers: one blocking XREAD per
 * tenant with watchers, however many watchers it has, ending with the last.
 * An event costs a map lookup plus one call per watcher that wants it:
 * watchers of given jobs are indexed by job id, so a thousand watches of
 * other jobs cost it nothing.
 */
export class EventHub {
  private readonly readers = new Map<string, Reader>();

  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly log: Logger,
  ) {}

  /**
   * Starts delivering the tenant's events to `listener`: of the jobs in `jobIds`, or of all its jobs
   * when none is given. Every event written after this resolves is delivered (and possibly a few from
   * just before).
   */
  async subscribe(tenant: string, listener: Listener, jobIds: readonly string[] = []): Promise<() => void> {
    let reader = this.readers.get(tenant);
    if (!reader) {
      // An explicit start id, not "$": nothing written between here and the first XREAD is missed.
      const last = await this.redis.xrevrange(this.keys.events(tenant), '+', '-', 'COUNT', 1);
      reader = this.readers.get(tenant);
      if (!reader) {
        reader = { all: new Set(), byJob: new Map(), count: 0, conn: duplicateQuietly(this.redis), lastId: last[0]?.[0] ?? '0-0', stopped: false };
        this.readers.set(tenant, reader);
        void this.read(tenant, reader);
      }
    }
    const r = reader;
    r.count++;
    if (jobIds.length === 0) r.all.add(listener);
    for (const id of jobIds) {
      const set = r.byJob.get(id);
      if (set) set.add(listener);
      else r.byJob.set(id, new Set([listener]));
    }
    let done = false;
    return () => {
      if (done) return;
      done = true;
      r.all.delete(listener);
      for (const id of jobIds) {
        const set = r.byJob.get(id);
        if (set?.delete(listener) && set.size === 0) r.byJob.delete(id);
      }
      if (--r.count === 0 && this.readers.get(tenant) === r) {
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
        let delivered = 0;
        for (const [, entries] of reply ?? []) {
          for (const [id, flat] of entries) {
            r.lastId = id;
            const event = parseEntry(id, flat);
            for (const l of r.all) l(event);
            const watchers = r.byJob.get(event.id);
            if (watchers) for (const l of watchers) l(event);
            delivered += r.all.size + (watchers?.size ?? 0);
            if (delivered >= DELIVERIES_PER_TURN) {
              delivered = 0;
              await new Promise((res) => setImmediate(res));
              if (r.stopped) return;
            }
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
