// The module's types, named here so that a package that type-checks these sources (devtools) sees them too.
/// <reference path="./cluster-key-slot.d.ts" />
import type { ChainableCommander, Redis } from 'ioredis';
import calculateSlot from 'cluster-key-slot';

/**
 * Commands sent together, as a pipeline. On a Redis Cluster a pipeline must
 * stay on one node, so there the commands are grouped by the hash slot of
 * the key each names, one pipeline per slot, all sent at once; on a single
 * Redis it is one pipeline, as before. Results come back in the order the
 * commands were added.
 */
export class SlotBatch {
  private readonly groups = new Map<number, Array<{ i: number; add: (p: ChainableCommander) => unknown }>>();
  private n = 0;

  constructor(private readonly redis: Redis) {}

  /** Adds a command whose keys hash like `key` (commands without a key: any key); its index in the results. */
  add(key: string, add: (p: ChainableCommander) => unknown): number {
    const slot = this.redis.isCluster ? calculateSlot(key) : 0;
    const list = this.groups.get(slot);
    const item = { i: this.n, add };
    if (list) list.push(item);
    else this.groups.set(slot, [item]);
    return this.n++;
  }

  get size(): number {
    return this.n;
  }

  /** Runs everything; each command's [error, reply], in order. */
  async exec(): Promise<Array<[Error | null, unknown]>> {
    const out = new Array<[Error | null, unknown]>(this.n);
    await Promise.all(
      [...this.groups.values()].map(async (list) => {
        const pipe = this.redis.pipeline();
        for (const { add } of list) add(pipe);
        const replies = (await pipe.exec()) ?? [];
        list.forEach(({ i }, k) => (out[i] = replies[k] ?? [new Error('no reply'), null]));
      }),
    );
    return out;
  }

  /** Runs everything and throws the first error. */
  async execOrThrow(): Promise<unknown[]> {
    return (await this.exec()).map(([err, reply]) => {
      if (err) throw err;
      return reply;
    });
  }
}

/**
 * The indices of `keys` grouped by hash slot, for commands that take many keys of one slot (MGET):
 * one group on a single Redis. Empty keys are left out.
 */
export function groupBySlot(redis: Redis, keys: readonly string[]): number[][] {
  const groups = new Map<number, number[]>();
  keys.forEach((key, i) => {
    if (!key) return;
    const slot = redis.isCluster ? calculateSlot(key) : 0;
    const list = groups.get(slot);
    if (list) list.push(i);
    else groups.set(slot, [i]);
  });
  return [...groups.values()];
}
