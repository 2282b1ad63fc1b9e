import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { opKey, type OpSpec } from '@nightshift/proto';
import { groupBySlot, SlotBatch } from '../redis/index.js';
import { decodeResult } from '../jobs/index.js';

export interface ResultCacheOptions {
  enabled: boolean;
  /** tenant: a tenant reuses only its own results; shared: any tenant's. */
  scope: 'tenant' | 'shared';
  retentionSeconds: number;
}

type Result = Uint32Array | Float32Array;

// A cached value's first byte: its kind.
const KIND_U32 = Buffer.from('u');
const KIND_F32 = Buffer.from('f');

/**
 * Results by content: the op, its params and the tokens decide a result, so
 * a job whose content was computed before (within the retention) takes the
 * result instead of running. A value is its kind's byte (u or f) and the
 * result's bytes. Per tenant the keys share the tenant's hash tag; shared,
 * they spread over the cluster by their hash.
 */
export class ResultCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly opts: ResultCacheOptions,
  ) {}

  /** The key of a job's content ('' when caching is off); `tokens` packed as the record holds them. */
  keyOf(tenant: string, spec: OpSpec, tokens: Buffer): string {
    if (!this.opts.enabled) return '';
    const digest = createHash('sha256').update(opKey(spec)).update('\n').update(tokens).digest('base64url').slice(0, 32);
    return this.opts.scope === 'tenant' ? `${this.prefix}:{t:${tenant}}:cache:${digest}` : `${this.prefix}:{cache:${digest.slice(0, 4)}}:${digest}`;
  }

  /** The cached results of these keys ('' keys and misses: undefined), in one round trip: an MGET per hash slot. */
  async lookup(keys: readonly string[]): Promise<Array<Result | undefined>> {
    const out = new Array<Result | undefined>(keys.length);
    const groups = groupBySlot(this.redis, keys);
    if (groups.length === 0) return out;
    const batch = new SlotBatch(this.redis);
    for (const list of groups) batch.add(keys[list[0]!]!, (p) => p.mgetBuffer(...list.map((i) => keys[i]!)));
    const replies = await batch.exec();
    groups.forEach((list, g) => {
      // A slot that could not be read is a miss: the cache is only a help.
      const values = (replies[g]![0] ? [] : replies[g]![1]) as Array<Buffer | null>;
      list.forEach((i, k) => {
        const value = values[k];
        if (value && value.length >= 1) out[i] = decodeResult(value[0] === 0x75 ? 'u32' : 'f32', value.subarray(1));
      });
    });
    return out;
  }

  /**
   * Keeps computed results for the retention, in one round trip; each as its kind and its bytes
   * (encodeResult). The worker that computed them indexes them, so that they can be purged.
   */
  async store(entries: ReadonlyArray<{ key: string; kind: 'u32' | 'f32'; bytes: Buffer }>, workerId: string): Promise<void> {
    const batch = new SlotBatch(this.redis);
    const kept: string[] = [];
    const now = Date.now();
    const expiresAt = now + this.opts.retentionSeconds * 1000;
    for (const { key, kind, bytes } of entries) {
      if (!key) continue;
      const value = Buffer.concat([kind === 'u32' ? KIND_U32 : KIND_F32, bytes]);
      batch.add(key, (p) => p.set(key, value, 'EX', this.opts.retentionSeconds));
      kept.push(key);
    }
    if (kept.length === 0) return;
    // The worker's index: its keys by expiry, trimmed of the expired, living as long as its newest entry.
    const index = this.byWorker(workerId);
    batch.add(index, (p) => p.zadd(index, ...kept.flatMap((k) => [expiresAt, k])));
    batch.add(index, (p) => p.zremrangebyscore(index, '-inf', now));
    batch.add(index, (p) => p.pexpire(index, this.opts.retentionSeconds * 1000));
    await batch.execOrThrow();
  }

  /**
   * Removes every result `workerId` computed that is still cached; the number removed. A key that
   * another worker computed again since goes too: the cache is only a help, it is computed again.
   */
  async purge(workerId: string): Promise<number> {
    const index = this.byWorker(workerId);
    let removed = 0;
    for (;;) {
      const keys = await this.redis.zrange(index, 0, 999);
      if (keys.length === 0) break;
      const batch = new SlotBatch(this.redis);
      for (const list of groupBySlot(this.redis, keys)) batch.add(keys[list[0]!]!, (p) => p.unlink(...list.map((i) => keys[i]!)));
      for (const n of await batch.execOrThrow()) removed += Number(n);
      await this.redis.zrem(index, ...keys);
    }
    return removed;
  }

  private byWorker(workerId: string): string {
    return `${this.prefix}:{cache-by:${workerId}}`;
  }
}
