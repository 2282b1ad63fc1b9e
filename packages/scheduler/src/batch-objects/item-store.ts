import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { BatchKeys } from './batch-keys.js';
import { FINAL_BATCH_STATES, type BatchState } from './batch-record.js';

/** What a batch object's upload has stored: items and planning windows so far, units planned, and its state. */
export interface UploadProgress {
  state: string;
  items: number;
  windows: number;
  units: number;
  tokens: number;
}

/** Makes the batch's record in state UPLOADING with the fields ARGV (name, value, …), unless it exists; 1 when made. KEYS: meta. */
const OPEN = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'UPLOADING', unpack(ARGV))
return 1
`;

/** KEYS: meta. 1 when it closed the upload now. Records from before the open field are open while UPLOADING. */
const CLOSE = `
local m = redis.call('HMGET', KEYS[1], 'state', 'open')
if m[2] == '0' or (not m[2] and m[1] ~= 'UPLOADING') then return 0 end
if m[1] == 'CANCELLED' or m[1] == 'FAILED' or m[1] == 'SUCCEEDED' then return 0 end
redis.call('HSET', KEYS[1], 'open', '0')
if m[1] == 'UPLOADING' then redis.call('HSET', KEYS[1], 'state', 'VALIDATING') end
return 1
`;

/**
 * Opens, finds again and closes a batch object's upload. An upload is resumable: its idempotency
 * key finds the batch again, and its progress says how many items are stored (whole planning
 * windows: see BatchPlanner), so the client sends the rest and nothing is stored twice.
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
   * unless it exists. Safe to repeat after a crash between its writes.
   */
  async open(tenant: string, idempotencyKey: string, header: Record<string, string>): Promise<{ id: string; created: boolean }> {
    const idem = this.keys.idempotency(tenant, idempotencyKey);
    const fresh = randomUUID();
    const won = (await this.redis.set(idem, fresh, 'NX')) === 'OK';
    const id = won ? fresh : (await this.redis.get(idem))!;
    if (!id) throw new Error(`batch idempotency key ${idempotencyKey}: its batch vanished while it was opened; open it again`);
    // One script: a batch already made (or closed) keeps what it has; a new one gets all its fields at once.
    const now = Date.now();
    const fields = Object.entries({ ...header, id, tenant, idempotencyKey, items: '0', planned: '0', units: '0', tokens: '0', open: '1', createdAt: String(now) }).flat();
    const made = (await this.redis.eval(OPEN, 1, this.keys.meta(id), ...fields)) === 1;
    // Listed after it exists (each list sits under a tag of its own), so that a list never names a batch
    // that is not there; every open lists it again, so a crash between the writes leaves nothing out.
    const [state] = await this.redis.hmget(this.keys.meta(id), 'state');
    await this.redis.zadd(this.keys.list(tenant), 'NX', now, id);
    if (state && !FINAL_BATCH_STATES.has(state as BatchState)) await this.redis.zadd(this.keys.active(), 'NX', now, id);
    return { id, created: made };
  }

  async progress(id: string): Promise<UploadProgress | undefined> {
    const [state, items, windows, units, tokens] = await this.redis.hmget(this.keys.meta(id), 'state', 'items', 'planned', 'units', 'tokens');
    if (!state) return undefined;
    return { state, items: Number(items ?? 0), windows: Number(windows ?? 0), units: Number(units ?? 0), tokens: Number(tokens ?? 0) };
  }

  /**
   * Ends the upload: no window is committed after it. A batch not yet admitted goes on to
   * VALIDATING; one admitted at its header (it declared its size) keeps its state. False when it was not open.
   */
  async close(id: string): Promise<boolean> {
    return (await this.redis.eval(CLOSE, 1, this.keys.meta(id))) === 1;
  }
}
