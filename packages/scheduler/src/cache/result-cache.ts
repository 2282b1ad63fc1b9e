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

/**
 * Where a result already lies in Redis: `length` bytes from `start` of the value at `key`, valid
 * while that value begins with `guard` (a batch unit's results: their count, kind and no failure,
 * which fix where each item's result sits). A reference costs the cache a few dozen bytes where a
 * copy would cost the result.
 */
export interface ResultRef {
  key: string;
  start: number;
  length: number;
  guard: Buffer;
}

/** Packs the keys that references name into fewer bytes, and back (see BatchKeys.resultsKeyCodec). */
export interface RefKeyCodec {
  /** undefined: a key it does not know, kept as it is. */
  pack(key: string): Buffer | undefined;
  unpack(packed: Buffer): string;
}

/** What store() keeps for one content: the result's bytes, or a reference to where they lie. */
export type CacheEntry = { key: string; kind: 'u32' | 'f32' } & ({ bytes: Buffer } | { ref: ResultRef });

// A cached value: its kind's byte, the length of the computing worker's id, the id, then the result's
// bytes (kind u or f) or a reference (kind U or F: start and length as u32 LE, the guard's length, a byte
// that says whether the key is packed (RefKeyCodec), the guard, the key).
const KIND_U32 = 0x75;
const KIND_F32 = 0x66;
const REF_U32 = 0x55;
const REF_F32 = 0x46;

/** Shared-scope results spread over this many hashes a time bucket (and so over a cluster's slots). */
const SHARDS = 16;

/**
 * Results by content: the op, its params and the tokens decide a result, so a job or a batch item
 * whose content was computed before (within the retention) takes the result instead of running.
 *
 * Results are kept in hashes, one per time bucket (a quarter of the retention, between a second and
 * a day) per tenant (or per shard of the digest, shared): writing a unit's or a batch's results is
 * one HSET, not one key an item, and a bucket expires whole, `retention` after it ends; so a result
 * lives between the retention and a bucket longer. A lookup reads the live buckets (newest first),
 * one HMGET each, in one round trip. Each value names the worker that computed it, and each worker
 * lists the buckets it wrote to, so that purge(worker) can find what it must remove.
 */
export class ResultCache {
  private readonly bucketMs: number;
  private readonly retentionMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly opts: ResultCacheOptions,
    /** Packs the keys references name: a million references are some 40 MB less of Redis. */
    private readonly keyCodec?: RefKeyCodec,
  ) {
    this.retentionMs = opts.retentionSeconds * 1000;
    this.bucketMs = Math.min(86_400_000, Math.max(1000, Math.floor(this.retentionMs / 4)));
  }

  /** The reference of a content's result ('' when caching is off): its hash's base and its digest; `tokens` packed as the record holds them. */
  keyOf(tenant: string, spec: OpSpec, tokens: Buffer): string {
    if (!this.opts.enabled) return '';
    const digest = createHash('sha256').update(specKey(spec)).update('\n').update(tokens).digest('base64url').slice(0, 32);
    const base = this.opts.scope === 'tenant' ? `${this.prefix}:{t:${tenant}}:cache` : `${this.prefix}:{cache:${digest.charCodeAt(0) % SHARDS}}`;
    return `${base}\t${digest}`;
  }

  /** The cached results of these references ('' and misses: undefined), in one round trip: an HMGET per live bucket of each hash. */
  async lookup(refs: readonly string[]): Promise<Array<Result | undefined>> {
    const out = new Array<Result | undefined>(refs.length);
    const byBase = groupByBase(refs);
    if (byBase.size === 0) return out;
    const batch = new SlotBatch(this.redis);
    const reads: Array<{ items: Array<{ i: number; digest: string }>; k: number }> = [];
    for (const [base, items] of byBase) {
      for (const b of this.liveBuckets(Date.now())) {
        const key = `${base}:${b}`;
        reads.push({ items, k: batch.add(key, (p) => p.hmgetBuffer(key, ...items.map((x) => x.digest))) });
      }
    }
    const replies = await batch.exec();
    const pointers: Array<{ i: number; kind: 'u32' | 'f32'; ref: ResultRef }> = [];
    const found = new Set<number>();
    for (const { items, k } of reads) {
      // A bucket that could not be read is a miss: the cache is only a help.
      const values = (replies[k]![0] ? [] : replies[k]![1]) as Array<Buffer | null>;
      items.forEach(({ i }, n) => {
        const v = values[n];
        if (found.has(i) || !v || v.length < 2) return;
        found.add(i);
        const body = v.subarray(2 + v[1]!);
        if (v[0] === KIND_U32 || v[0] === KIND_F32) out[i] = decodeResult(v[0] === KIND_U32 ? 'u32' : 'f32', body);
        else if ((v[0] === REF_U32 || v[0] === REF_F32) && body.length >= REF_HEAD) {
          const ref = decodeRef(body, this.keyCodec);
          if (ref) pointers.push({ i, kind: v[0] === REF_U32 ? 'u32' : 'f32', ref });
        }
      });
    }
    if (pointers.length) await this.follow(pointers, out);
    return out;
  }

  /** Reads referenced results where they lie, in one more round trip: each range, and each referenced value's first bytes to check its guard. */
  private async follow(refs: ReadonlyArray<{ i: number; kind: 'u32' | 'f32'; ref: ResultRef }>, out: Array<Result | undefined>): Promise<void> {
    const batch = new SlotBatch(this.redis);
    // A value's first bytes once, however many of its results are asked for (its references share one guard).
    const heads = new Map<string, number>();
    const ranges = refs.map(({ ref }) => {
      if (!heads.has(ref.key)) heads.set(ref.key, batch.add(ref.key, (p) => p.getrangeBuffer(ref.key, 0, ref.guard.length - 1)));
      // GETRANGE k s s-1 would read from s to the end: an empty result reads nothing.
      return ref.length > 0 ? batch.add(ref.key, (p) => p.getrangeBuffer(ref.key, ref.start, ref.start + ref.length - 1)) : -1;
    });
    const replies = await batch.exec();
    refs.forEach(({ i, kind, ref }, n) => {
      const [headErr, head] = replies[heads.get(ref.key)!]!;
      // The value changed or went (its batch removed): a miss.
      if (headErr || !(head as Buffer).subarray(0, ref.guard.length).equals(ref.guard)) return;
      if (ranges[n] === -1) {
        out[i] = decodeResult(kind, Buffer.alloc(0));
        return;
      }
      const [err, bytes] = replies[ranges[n]!]!;
      if (!err && (bytes as Buffer).length === ref.length) out[i] = decodeResult(kind, bytes as Buffer);
    });
  }

  /**
   * Keeps computed results for the retention, in one round trip: an HSET per hash, whatever the
   * number of results. An entry is the result's bytes, or a reference to where they already lie.
   */
  async store(entries: readonly CacheEntry[], workerId: string): Promise<void> {
    const now = Date.now();
    const bucket = Math.floor(now / this.bucketMs);
    const expiresAt = (bucket + 1) * this.bucketMs + this.retentionMs;
    const worker = Buffer.from(workerId, 'utf8').subarray(0, 255);
    const byBase = new Map<string, Array<string | Buffer>>();
    // A unit's references all name one key: packed once, not once an item.
    const packed = new Map<string, Buffer | undefined>();
    const packOnce = (key: string) => {
      if (!packed.has(key)) packed.set(key, this.keyCodec?.pack(key));
      return packed.get(key);
    };
    for (const e of entries) {
      if (!e.key) continue;
      const [base, digest] = e.key.split('\t') as [string, string];
      const value =
        'bytes' in e
          ? Buffer.concat([Buffer.of(e.kind === 'u32' ? KIND_U32 : KIND_F32, worker.length), worker, e.bytes])
          : Buffer.concat([Buffer.of(e.kind === 'u32' ? REF_U32 : REF_F32, worker.length), worker, encodeRef(e.ref, packOnce(e.ref.key))]);
      const fields = byBase.get(base);
      if (fields) fields.push(digest, value);
      else byBase.set(base, [digest, value]);
    }
    if (byBase.size === 0) return;
    const batch = new SlotBatch(this.redis);
    const written: string[] = [];
    for (const [base, fields] of byBase) {
      const key = `${base}:${bucket}`;
      batch.add(key, (p) => p.hset(key, ...(fields as [string, Buffer])));
      batch.add(key, (p) => p.pexpireat(key, expiresAt));
      written.push(key);
    }
    // The worker's index: the hashes it wrote to, as long as the newest of them lives.
    const index = this.byWorker(workerId);
    batch.add(index, (p) => p.sadd(index, ...written));
    batch.add(index, (p) => p.pexpireat(index, expiresAt));
    await batch.execOrThrow();
  }

  /**
   * Removes every result `workerId` computed that is still cached; the number removed. (Slow: it
   * reads every hash the worker wrote to. A rare admin's act, when a worker is found untrustworthy.)
   */
  async purge(workerId: string): Promise<number> {
    const index = this.byWorker(workerId);
    const worker = Buffer.from(workerId, 'utf8').subarray(0, 255);
    let removed = 0;
    for (const key of await this.redis.smembers(index)) {
      let cursor = '0';
      do {
        const [next, flat] = await this.redis.hscanBuffer(key, cursor, 'COUNT', 1000);
        cursor = String(next);
        const mine: Buffer[] = [];
        for (let i = 0; i + 1 < flat.length; i += 2) {
          const v = flat[i + 1]!;
          if (v.length >= 2 && v[1] === worker.length && v.subarray(2, 2 + worker.length).equals(worker)) mine.push(flat[i]!);
        }
        if (mine.length) removed += await this.redis.hdel(key, ...mine);
      } while (cursor !== '0');
    }
    await this.redis.del(index);
    return removed;
  }

  /** The buckets whose results are still within the retention, newest first. */
  private liveBuckets(now: number): number[] {
    const newest = Math.floor(now / this.bucketMs);
    const oldest = Math.floor((now - this.retentionMs) / this.bucketMs) - 1;
    const out: number[] = [];
    for (let b = newest; b >= oldest; b--) out.push(b);
    return out;
  }

  private byWorker(workerId: string): string {
    return `${this.prefix}:{cache-by:${workerId}}`;
  }
}

/** opKey of a spec, once per spec object: a batch's thousands of items share one. */
const specKeys = new WeakMap<OpSpec, string>();
function specKey(spec: OpSpec): string {
  let k = specKeys.get(spec);
  if (k === undefined) specKeys.set(spec, (k = opKey(spec)));
  return k;
}

/** References by their hash's base, each with its index and digest. */
function groupByBase(refs: readonly string[]): Map<string, Array<{ i: number; digest: string }>> {
  const out = new Map<string, Array<{ i: number; digest: string }>>();
  refs.forEach((ref, i) => {
    if (!ref) return;
    const tab = ref.indexOf('\t');
    const base = ref.slice(0, tab);
    const list = out.get(base);
    const item = { i, digest: ref.slice(tab + 1) };
    if (list) list.push(item);
    else out.set(base, [item]);
  });
  return out;
}

const REF_HEAD = 10;

/** `packed`: the key as the codec packed it, if it did. */
function encodeRef(r: ResultRef, packed: Buffer | undefined): Buffer {
  const head = Buffer.allocUnsafe(REF_HEAD);
  head.writeUInt32LE(r.start, 0);
  head.writeUInt32LE(r.length, 4);
  head[8] = r.guard.length;
  head[9] = packed ? 1 : 0;
  return Buffer.concat([head, r.guard, packed ?? Buffer.from(r.key, 'utf8')]);
}

/** undefined: a packed key and no codec to unpack it (a replica configured otherwise): a miss. */
function decodeRef(b: Buffer, codec: RefKeyCodec | undefined): ResultRef | undefined {
  const g = b[8]!;
  const rest = b.subarray(REF_HEAD + g);
  if (b[9] === 1 && !codec) return undefined;
  return { start: b.readUInt32LE(0), length: b.readUInt32LE(4), guard: b.subarray(REF_HEAD, REF_HEAD + g), key: b[9] === 1 ? codec!.unpack(rest) : rest.toString('utf8') };
}
