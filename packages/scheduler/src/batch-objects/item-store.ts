import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { decodeItemChunk, encodeItemChunk, type Item, type ItemChunk } from './item-chunk.js';
import { BatchKeys } from './batch-keys.js';

/** What a batch object's upload has stored: items and chunks so far, and its state. */
export interface UploadProgress {
  state: string;
  items: number;
  chunks: number;
  tokens: number;
}

/**
 * Appends chunk ARGV[2] if the upload is open and has stored exactly ARGV[1] items in ARGV[2]
 * chunks: a chunk sent twice (a client that resumes, a scheduler that retries) is refused, and
 * the reply says where the upload stands. {1 | 0 | -1 (closed or missing), items, chunks}.
 */
const APPEND = `
local meta = redis.call('HMGET', KEYS[1], 'state', 'items', 'chunks')
if meta[1] ~= 'UPLOADING' then return {-1, tonumber(meta[2] or '0'), tonumber(meta[3] or '0')} end
local items, chunks = tonumber(meta[2]), tonumber(meta[3])
if items ~= tonumber(ARGV[1]) or chunks ~= tonumber(ARGV[2]) then return {0, items, chunks} end
redis.call('SET', KEYS[2], ARGV[3])
redis.call('HSET', KEYS[1], 'items', items + tonumber(ARGV[4]), 'chunks', chunks + 1)
redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[5])
return {1, items + tonumber(ARGV[4]), chunks + 1}
`;

/**
 * Makes the batch's record in state UPLOADING with the fields ARGV[3…] (name, value, …), unless it
 * exists, and lists it as active (ARGV[1]: id, ARGV[2]: creation time); 1 when made.
 * KEYS: meta, active. (The tenant's list is written apart: it sits under the tenant's tag.)
 */
const OPEN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'UPLOADING', unpack(ARGV, 3))
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
`;

/**
 * Where a batch object's items live: packed chunks under the batch's own hash tag
 * (`{prefix}:{bo:<id>}`), thousands of items a value, one write a chunk, never a key
 * per item. An upload is resumable: its idempotency key finds the batch again, and
 * the progress says how many items are stored (always a whole number of chunks), so
 * the client sends the rest and nothing is stored twice.
 */
export class ItemStore {
  private readonly keys: BatchKeys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
  ) {
    this.keys = new BatchKeys(prefix);
  }

  /**
   * The batch of `tenant` with this idempotency key, made now (state UPLOADING, with `header`)
   * unless it exists. Safe to repeat after a crash between its two writes.
   */
  async open(tenant: string, idempotencyKey: string, header: Record<string, string>): Promise<{ id: string; created: boolean }> {
    const idem = this.keys.idempotency(tenant, idempotencyKey);
    const fresh = randomUUID();
    const won = (await this.redis.set(idem, fresh, 'NX')) === 'OK';
    const id = won ? fresh : (await this.redis.get(idem))!;
    if (!id) throw new Error(`batch idempotency key ${idempotencyKey}: its batch vanished while it was opened; open it again`);
    // One script: a batch already made (or closed) keeps what it has; a new one gets all its fields at once.
    const now = Date.now();
    const fields = Object.entries({ ...header, id, tenant, idempotencyKey, items: '0', chunks: '0', tokens: '0', createdAt: String(now) }).flat();
    const made = (await this.redis.eval(OPEN, 2, this.meta(id), this.keys.active(), id, now, ...fields)) === 1;
    // Listed after it exists, so that a list never names a batch that is not there (a repeat lists it again).
    if (made || won) await this.redis.zadd(this.keys.list(tenant), 'NX', now, id);
    return { id, created: made };
  }

  async progress(id: string): Promise<UploadProgress | undefined> {
    const [state, items, chunks, tokens] = await this.redis.hmget(this.meta(id), 'state', 'items', 'chunks', 'tokens');
    if (!state) return undefined;
    return { state, items: Number(items ?? 0), chunks: Number(chunks ?? 0), tokens: Number(tokens ?? 0) };
  }

  /**
   * Stores `items` as chunk `at.chunks`, if the upload has exactly `at.items` items stored;
   * `stored` false (and where it stands) when it has not, or is closed.
   */
  async append(id: string, at: { items: number; chunks: number }, items: readonly Item[]): Promise<{ stored: boolean; open: boolean; items: number; chunks: number }> {
    const tokens = items.reduce((n, it) => n + it.tokens.length, 0);
    const r = (await this.redis.eval(APPEND, 2, this.meta(id), this.chunk(id, at.chunks), at.items, at.chunks, encodeItemChunk(items), items.length, tokens)) as [number, number, number];
    return { stored: r[0] === 1, open: r[0] !== -1, items: r[1], chunks: r[2] };
  }

  /** Ends the upload: no chunk is appended after it. False when it was not open. */
  async close(id: string): Promise<boolean> {
    const r = await this.redis.eval(`if redis.call('HGET', KEYS[1], 'state') ~= 'UPLOADING' then return 0 end redis.call('HSET', KEYS[1], 'state', 'VALIDATING') return 1`, 1, this.meta(id));
    return r === 1;
  }

  async readChunk(id: string, k: number): Promise<ItemChunk> {
    const bytes = await this.redis.getBuffer(this.chunk(id, k));
    if (!bytes) throw new Error(`batch ${id}: chunk ${k} is missing`);
    return decodeItemChunk(bytes);
  }

  /** The chunks in order, read one at a time: a batch streams through, and memory holds one chunk. */
  async *chunks(id: string): AsyncGenerator<ItemChunk> {
    const p = await this.progress(id);
    for (let k = 0; k < (p?.chunks ?? 0); k++) yield await this.readChunk(id, k);
  }

  private meta(id: string): string {
    return this.keys.meta(id);
  }

  private chunk(id: string, k: number): string {
    return this.keys.items(id, k);
  }
}
