import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { WorkerEntry } from '../config/scheduler-config.js';

/** A registered worker as the registry keeps it: what it offers, who registered it, and whether it is draining. */
export interface RegisteredWorker extends WorkerEntry {
  ops: string[];
  backend: string;
  /** It asked to leave: no new batches; its lease lapses once it stops heartbeating. */
  draining: boolean;
  /** Fingerprint of the key that registered it ('' without keys). */
  owner: string;
  /** Registered under a key bound to its id: what it computes may be cached. */
  proven: boolean;
}

/** What the registry holds of a worker besides what the fleet sees: its lease token's hash. */
interface Stored extends RegisteredWorker {
  token: string;
}

export type RegisterOutcome =
  | { ok: true; leaseToken: string }
  /** The id's lease holds at another address (or for another key): the worker may not move until it lapses. */
  | { ok: false; address: string; retryAfterMs: number };

/**
 * Register: refused while the id's lease holds at another address, or for another key, unless the
 * holder is draining and the same key registers (a worker restarted elsewhere after leaving).
 */
const REGISTER = `
local exp = tonumber(redis.call('ZSCORE', KEYS[2], ARGV[1]) or '0')
local now = tonumber(ARGV[3])
if exp > now then
  local cur = redis.call('HGET', KEYS[1], ARGV[1])
  if cur then
    local c = cjson.decode(cur)
    local same = c.owner == ARGV[5]
    if (c.address ~= ARGV[4] or not same) and not (c.draining and same) then return {0, c.address, exp - now} end
  end
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], now + tonumber(ARGV[6]), ARGV[1])
return {1}
`;

/** Heartbeat: extends the lease only for the registration that holds it (its token); 1 when it did. */
const HEARTBEAT = `
if not redis.call('ZSCORE', KEYS[2], ARGV[1]) then return 0 end
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur or cjson.decode(cur).token ~= ARGV[2] then return 0 end
redis.call('ZADD', KEYS[2], 'XX', ARGV[3], ARGV[1])
return 1
`;

/** Drain: marks it draining if the token matches (or none is asked for: an admin); 1 done, 0 missing, -1 wrong token. */
const DRAIN = `
local cur = redis.call('HGET', KEYS[1], ARGV[1])
if not cur then return 0 end
local c = cjson.decode(cur)
if ARGV[2] ~= '' and c.token ~= ARGV[2] then return -1 end
c.draining = true
redis.call('HSET', KEYS[1], ARGV[1], cjson.encode(c))
return 1
`;

/** Drops the leases that lapsed by ARGV[1], each only if it still has (a worker may have registered again meanwhile). */
const LAPSE = `
local gone = {}
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', ARGV[1])) do
  redis.call('ZREM', KEYS[2], id)
  redis.call('HDEL', KEYS[1], id)
  gone[#gone + 1] = id
end
return gone
`;

/**
 * The fleet of self-registered workers, in Redis so that every scheduler
 * replica sees the same one: a hash of what each worker offers and a
 * sorted set of lease expiries. Each registration gets a random lease
 * token, kept as its hash: only the process that registered can keep the
 * lease alive or end it. A worker whose lease lapses is dropped (its next
 * heartbeat learns so, and it registers again).
 */
export class WorkerRegistry {
  private readonly infoKey: string;
  private readonly leasesKey: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    readonly leaseSeconds: number,
  ) {
    // One hash tag: the two keys change together (in one script), in one Redis Cluster slot.
    this.infoKey = `${prefix}:{registry}`;
    this.leasesKey = `${prefix}:{registry}:leases`;
  }

  async register(w: Omit<RegisteredWorker, 'draining'>, now: number): Promise<RegisterOutcome> {
    const leaseToken = randomBytes(24).toString('base64url');
    const stored: Stored = { ...w, draining: false, token: tokenHash(leaseToken) };
    const r = (await this.redis.eval(REGISTER, 2, this.infoKey, this.leasesKey, w.id, JSON.stringify(stored), now, w.address, w.owner, this.leaseSeconds * 1000)) as [number, string?, number?];
    return r[0] === 1 ? { ok: true, leaseToken } : { ok: false, address: r[1]!, retryAfterMs: Number(r[2]) };
  }

  /** Extends the lease; false when the worker is not registered (dropped, never was, or registered since by another process). */
  async heartbeat(id: string, leaseToken: string, now: number): Promise<boolean> {
    return (await this.redis.eval(HEARTBEAT, 2, this.infoKey, this.leasesKey, id, tokenHash(leaseToken), now + this.leaseSeconds * 1000)) === 1;
  }

  /** Marks the worker draining: 'missing' when it is not registered, 'denied' when the token is not its registration's. */
  async drain(id: string, leaseToken: string | undefined): Promise<'ok' | 'missing' | 'denied'> {
    const r = (await this.redis.eval(DRAIN, 1, this.infoKey, id, leaseToken === undefined ? '' : tokenHash(leaseToken))) as number;
    return r === 1 ? 'ok' : r === 0 ? 'missing' : 'denied';
  }

  /** The workers whose lease holds at `now`; those whose lease lapsed are dropped first, and named (by the one replica that dropped them). */
  async live(now: number): Promise<{ workers: RegisteredWorker[]; dropped: string[] }> {
    const dropped = (await this.redis.eval(LAPSE, 2, this.infoKey, this.leasesKey, now)) as string[];
    const all = await this.redis.hgetall(this.infoKey);
    const workers = Object.values(all).map((j) => {
      const { token: _, ...w } = JSON.parse(j) as Stored;
      return w;
    });
    return { workers, dropped };
  }
}

function tokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
