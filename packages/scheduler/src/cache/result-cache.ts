import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { opKey, type OpSpec } from '@nightshift/proto';
import { SlotBatch } from '../redis/index.js';
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

  /** The cached results of these keys ('' keys and misses: undefined), in one round trip. */
  async lookup(keys: readonly string[]): Promise<Array<Result | undefined>> {
    const batch = new SlotBatch(this.redis);
    const at = keys.map((key) => (key ? batch.add(key, (p) => p.getBuffer(key)) : -1));
    if (batch.size === 0) return keys.map(() => undefined);
    const replies = await batch.exec();
    return at.map((i) => {
      const value = i >= 0 ? (replies[i]![1] as Buffer | null) : null;
      if (!value || value.length < 1) return undefined;
      return decodeResult(value[0] === 0x75 ? 'u32' : 'f32', value.subarray(1));
    });
  }

  /** Keeps computed results for the retention, in one round trip; each as its kind and its bytes (encodeResult). */
  async store(entries: ReadonlyArray<{ key: string; kind: 'u32' | 'f32'; bytes: Buffer }>): Promise<void> {
    const batch = new SlotBatch(this.redis);
    for (const { key, kind, bytes } of entries) {
      if (!key) continue;
      const value = Buffer.concat([kind === 'u32' ? KIND_U32 : KIND_F32, bytes]);
      batch.add(key, (p) => p.set(key, value, 'EX', this.opts.retentionSeconds));
    }
    if (batch.size) await batch.execOrThrow();
  }
}
