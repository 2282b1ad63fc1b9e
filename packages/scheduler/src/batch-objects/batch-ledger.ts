import type { Redis } from 'ioredis';
import type { Keys } from '../jobs/index.js';
import type { BatchKeys } from './batch-keys.js';

/**
 * Reserves a batch's whole quote against its tenant's budget, unless the batch holds a reservation
 * already (an admission run again after a crash). KEYS: ledger (current period), reservations.
 * ARGV: id, price, budget (0: none), period, tokens. {1} reserved, {0} already held, {-2, spent, reserved} over.
 */
const RESERVE = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return {0} end
local l = redis.call('HMGET', KEYS[1], 'spent', 'reserved')
local spent, reserved = tonumber(l[1] or '0'), tonumber(l[2] or '0')
local price, budget = tonumber(ARGV[2]), tonumber(ARGV[3])
if budget > 0 and spent + reserved + price > budget then return {-2, tostring(spent), tostring(reserved)} end
redis.call('HINCRBYFLOAT', KEYS[1], 'reserved', ARGV[2])
redis.call('HINCRBY', KEYS[1], 'tokens', ARGV[5])
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2], ARGV[1] .. ':p', ARGV[4])
return {1}
`;

/**
 * Charges one unit once: its cost to the current period's spend, and its share of the batch's
 * reservation released (all that is left once every unit is charged). A unit charged before
 * (run again after a crash) changes nothing. KEYS: charged bitmap, reservations, ledger (current
 * period). ARGV: id, unit, cost, share, units, ledger prefix, retention seconds. 1 when charged.
 */
const CHARGE = `
if redis.call('SETBIT', KEYS[1], ARGV[2], 1) == 1 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[7])
if tonumber(ARGV[3]) > 0 then redis.call('HINCRBYFLOAT', KEYS[3], 'spent', ARGV[3]) end
local left = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '')
if not left then return 1 end
local all = redis.call('BITCOUNT', KEYS[1]) >= tonumber(ARGV[5])
local release = tonumber(ARGV[4])
if all or release >= left then release = left end
local period = redis.call('HGET', KEYS[2], ARGV[1] .. ':p')
local now = tonumber(redis.call('HINCRBYFLOAT', ARGV[6] .. period, 'reserved', string.format('%.17g', -release)))
if math.abs(now) < 1e-12 then redis.call('HSET', ARGV[6] .. period, 'reserved', '0') end
if all or release >= left then redis.call('HDEL', KEYS[2], ARGV[1], ARGV[1] .. ':p')
else redis.call('HINCRBYFLOAT', KEYS[2], ARGV[1], string.format('%.17g', -release)) end
return 1
`;

/**
 * Releases what a batch still holds reserved (cancelled, failed, or done). KEYS: reservations. ARGV: id, ledger prefix.
 * (Here and in CHARGE, what sums of shares and true-ups leave of nothing, some 1e-17 dollars, is set to 0.)
 */
const RELEASE = `
local left = redis.call('HGET', KEYS[1], ARGV[1])
if not left then return '0' end
local period = redis.call('HGET', KEYS[1], ARGV[1] .. ':p')
local now = tonumber(redis.call('HINCRBYFLOAT', ARGV[2] .. period, 'reserved', string.format('%.17g', -tonumber(left))))
if math.abs(now) < 1e-12 then redis.call('HSET', ARGV[2] .. period, 'reserved', '0') end
redis.call('HDEL', KEYS[1], ARGV[1], ARGV[1] .. ':p')
return left
`;

/**
 * Sets what a batch holds reserved to ARGV[2] (its quote trued up), unless a rise would pass the
 * budget ARGV[3] (0: none). KEYS: reservations. ARGV: id, left, budget, ledger prefix.
 * {1} set, {0} nothing held, {-2, spent, reserved} over.
 */
const RESIZE = `
local left = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '')
if not left then return {0} end
local ledger = ARGV[4] .. redis.call('HGET', KEYS[1], ARGV[1] .. ':p')
local delta = tonumber(ARGV[2]) - left
if delta > 0 and tonumber(ARGV[3]) > 0 then
  local l = redis.call('HMGET', ledger, 'spent', 'reserved')
  local spent, reserved = tonumber(l[1] or '0'), tonumber(l[2] or '0')
  if spent + reserved + delta > tonumber(ARGV[3]) then return {-2, tostring(spent), tostring(reserved)} end
end
redis.call('HINCRBYFLOAT', ledger, 'reserved', string.format('%.17g', delta))
redis.call('HSET', KEYS[1], ARGV[1], string.format('%.17g', tonumber(ARGV[2])))
return {1}
`;

export type Reservation = { ok: true } | { ok: false; spent: number; reserved: number };

/**
 * A batch's money, in its tenant's ledger: the whole quote reserved at admission (or the batch
 * refused whole), each unit charged as it settles, what is left released at the end. Every step
 * is one script under the tenant's hash tag and safe to repeat.
 */
export class BatchLedger {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly batchKeys: BatchKeys,
    private readonly retentionSeconds: number,
  ) {}

  async reserve(tenant: string, id: string, a: { price: number; budget: number; period: string; tokens: number }): Promise<Reservation> {
    const r = (await this.redis.eval(RESERVE, 2, this.keys.ledger(tenant, a.period), this.batchKeys.reservations(tenant), id, a.price, a.budget, a.period, a.tokens)) as Array<number | string>;
    return r[0] === -2 ? { ok: false, spent: Number(r[1]), reserved: Number(r[2]) } : { ok: true };
  }

  async charge(tenant: string, id: string, unit: number, u: { cost: number; share: number; units: number; period: string }): Promise<boolean> {
    const r = await this.redis.eval(
      CHARGE, 3, this.batchKeys.charged(tenant, id), this.batchKeys.reservations(tenant), this.keys.ledger(tenant, u.period),
      id, unit, u.cost, u.share, u.units, this.keys.ledgerPrefix(tenant), this.retentionSeconds,
    );
    return r === 1;
  }

  /** What the batch holds reserved, set to `left` (a rise only within `budget`, 0: none). */
  async resize(tenant: string, id: string, left: number, budget: number): Promise<Reservation> {
    const r = (await this.redis.eval(RESIZE, 1, this.batchKeys.reservations(tenant), id, left, budget, this.keys.ledgerPrefix(tenant))) as Array<number | string>;
    return r[0] === -2 ? { ok: false, spent: Number(r[1]), reserved: Number(r[2]) } : { ok: true };
  }

  /** Dollars released. */
  async release(tenant: string, id: string): Promise<number> {
    return Number(await this.redis.eval(RELEASE, 1, this.batchKeys.reservations(tenant), id, this.keys.ledgerPrefix(tenant)));
  }
}
