import type { Redis, Result } from 'ioredis';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nsChargeUsage(key: string, now: number, halfLifeMs: number, ...tenantsAndSeconds: Array<string | number>): Result<null, Context>;
  }
}

/**
 * Adds worker-seconds to tenants' decayed usage: each field is "seconds|ms", the usage as it was
 * at that time; it halves every half-life, so it is decayed to now before the new work is added.
 * KEYS[1] the usage hash; ARGV: now (ms), half-life (ms), then tenant and seconds pairs.
 */
const CHARGE = `
local now, half = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 3, #ARGV, 2 do
  local was = redis.call("HGET", KEYS[1], ARGV[i])
  local value = 0
  if was then
    local v, at = string.match(was, "^([^|]*)|(.*)$")
    value = tonumber(v) * math.pow(2, -math.max(0, now - tonumber(at)) / half)
  end
  redis.call("HSET", KEYS[1], ARGV[i], string.format("%.17g|%d", value + tonumber(ARGV[i + 1]), now))
end
return nil
`;

/**
 * Each tenant's recent use of the fleet, in worker-seconds (kernel seconds of the batches and
 * units its work ran in), decayed with a half-life as Slurm's PriorityDecayHalfLife does: work of
 * an hour ago counts half when the half-life is an hour. One hash in Redis, shared by every
 * replica, written once a settled batch or unit.
 */
export class FairUsage {
  private readonly key: string;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly halfLifeSeconds: number,
  ) {
    this.key = `${prefix}:{fair}:usage`;
    redis.defineCommand('nsChargeUsage', { numberOfKeys: 1, lua: CHARGE });
  }

  /** Adds each tenant's worker-seconds (one round trip). */
  async charge(seconds: ReadonlyMap<string, number>, now = Date.now()): Promise<void> {
    const args: Array<string | number> = [];
    for (const [tenant, s] of seconds) if (s > 0 && Number.isFinite(s)) args.push(tenant, s);
    if (args.length) await this.redis.nsChargeUsage(this.key, now, this.halfLifeSeconds * 1000, ...args);
  }

  /** Every tenant's usage decayed to `now`. */
  async read(now = Date.now()): Promise<Map<string, number>> {
    const all = await this.redis.hgetall(this.key);
    const out = new Map<string, number>();
    for (const [tenant, v] of Object.entries(all)) {
      const [value, at] = v.split('|');
      out.set(tenant, Number(value) * 2 ** (-Math.max(0, now - Number(at)) / (this.halfLifeSeconds * 1000)));
    }
    return out;
  }
}
