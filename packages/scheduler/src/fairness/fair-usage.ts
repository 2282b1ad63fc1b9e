import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nsChargeUsage(usage: string, out: string, outs: string, now: number, halfLifeMs: number, outTtlMs: number, replica: string, ...tenantsUsedOut: Array<string | number>): Result<null, Context>;
    nsReadUsage(usage: string, outs: string, now: number, outTtlMs: number, replica: string): Result<[string[], string[]], Context>;
  }
}

/**
 * Charges tenants' worker-seconds and moves this replica's work out. Each usage field is
 * "seconds|ms", the usage as it was at that time; it halves every half-life, so it is decayed to
 * now before the new work is added. The replica's work out is a hash of its own (tenant →
 * predicted seconds), listed in a sorted set by last write and expiring with it.
 * KEYS: usage, this replica's out, the list of outs. ARGV: now (ms), half-life (ms), out TTL (ms),
 * replica, then (tenant, seconds used, change of work out) triples.
 */
const CHARGE = `
local now, half, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local outs = false
for i = 5, #ARGV, 3 do
  local tenant, used, out = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  if used > 0 then
    local was = redis.call("HGET", KEYS[1], tenant)
    local value = 0
    if was then
      local v, at = string.match(was, "^([^|]*)|(.*)$")
      value = tonumber(v) * math.pow(2, -math.max(0, now - tonumber(at)) / half)
    end
    redis.call("HSET", KEYS[1], tenant, string.format("%.17g|%d", value + used, now))
  end
  if out ~= 0 then
    if tonumber(redis.call("HINCRBYFLOAT", KEYS[2], tenant, out)) <= 1e-9 then redis.call("HDEL", KEYS[2], tenant) end
    outs = true
  end
end
if outs then
  redis.call("PEXPIRE", KEYS[2], ttl)
  redis.call("ZADD", KEYS[3], now, ARGV[4])
end
return nil
`;

/**
 * Every tenant's usage, and the work the other live replicas have out: two flat lists of field,
 * value. KEYS: usage, the list of outs. ARGV: now (ms), out TTL (ms), this replica.
 */
const READ = `
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call("ZREMRANGEBYSCORE", KEYS[2], "-inf", now - ttl)
local out = {}
for _, replica in ipairs(redis.call("ZRANGE", KEYS[2], 0, -1)) do
  if replica ~= ARGV[3] then
    local fields = redis.call("HGETALL", KEYS[2] .. ":" .. replica)
    for j = 1, #fields do out[#out + 1] = fields[j] end
  end
end
return { redis.call("HGETALL", KEYS[1]), out }
`;

/** What a read brings back: every tenant's decayed worker-seconds, and the others replicas' work out. */
export interface UsageRead {
  usage: Map<string, number>;
  othersOut: Map<string, number>;
}

/**
 * Each tenant's recent use of the fleet, in worker-seconds (kernel seconds of the batches and
 * units its work ran in), decayed with a half-life as Slurm's PriorityDecayHalfLife does: work of
 * an hour ago counts half when the half-life is an hour. One hash in Redis, shared by every
 * replica, written once a settled batch or unit. With it, each replica's work out (predicted
 * seconds by tenant), so that every replica ranks tenants by what all of them have out; a dead
 * replica's lapses after `outTtlMs` (no batch is out longer than its timeout).
 */
export class FairUsage {
  private readonly key: string;
  private readonly outs: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly halfLifeSeconds: number,
    private readonly outTtlMs = 15 * 60_000,
  ) {
    this.key = `${prefix}:{fair}:usage`;
    // "…:outs" lists the replicas by last write; "…:outs:<replica>" is one's work out (the read script builds the name: same slot).
    this.outs = `${prefix}:{fair}:outs`;
    redis.defineCommand('nsChargeUsage', { numberOfKeys: 3, lua: CHARGE });
    redis.defineCommand('nsReadUsage', { numberOfKeys: 2, lua: READ });
  }

  /**
   * Adds each tenant's worker-seconds and moves `replica`'s work out by `out` (one round trip).
   * `now` is the replica's clock, which decays the usage and stamps its work out.
   */
  async charge(seconds: ReadonlyMap<string, number>, now = Date.now(), out: { replica: string; change: ReadonlyMap<string, number> } = { replica: '', change: new Map() }): Promise<void> {
    const args: Array<string | number> = [];
    for (const tenant of new Set([...seconds.keys(), ...out.change.keys()])) {
      const s = seconds.get(tenant) ?? 0;
      const o = out.change.get(tenant) ?? 0;
      const used = s > 0 && Number.isFinite(s) ? s : 0;
      const moved = Number.isFinite(o) ? o : 0;
      if (used > 0 || moved !== 0) args.push(tenant, used, moved);
    }
    if (args.length) await this.redis.nsChargeUsage(this.key, `${this.outs}:${out.replica}`, this.outs, now, this.halfLifeSeconds * 1000, this.outTtlMs, out.replica, ...args);
  }

  /** Every tenant's usage decayed to `now`, and the work out of the replicas other than `replica`. */
  async read(now = Date.now(), replica = ''): Promise<UsageRead> {
    const [usage, out] = await this.redis.nsReadUsage(this.key, this.outs, now, this.outTtlMs, replica);
    const read: UsageRead = { usage: new Map(), othersOut: new Map() };
    for (let i = 0; i < usage.length; i += 2) {
      const [value, at] = usage[i + 1]!.split('|');
      read.usage.set(usage[i]!, Number(value) * 2 ** (-Math.max(0, now - Number(at)) / (this.halfLifeSeconds * 1000)));
    }
    for (let i = 0; i < out.length; i += 2) read.othersOut.set(out[i]!, (read.othersOut.get(out[i]!) ?? 0) + Math.max(0, Number(out[i + 1])));
    return read;
  }
}
