import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { packTokens } from '@nightshift/proto';
import { BatchClient, schedulerConfig } from '../src/index.js';
import { FairTree, FairUsage, tenantShares } from '../src/fairness/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { noisyNeighbour } from './helpers/fair-workload.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { Scrape } from './helpers/prometheus.js';

// Issue 20, its first part: each tenant's use of the fleet, in decayed worker-seconds, kept in
// Redis once a settled batch or unit, and reported against the tenant's weight.
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

/** A FairUsage (half-life 60 s) on a connection and key prefix of its own, both gone after the tests. */
function fairUsage(name: string, outTtlMs?: number): FairUsage {
  const redis = new Redis(REDIS_URL);
  const prefix = testPrefix(name);
  stops.push(async () => {
    await dropPrefix(prefix);
    await redis.quit();
  });
  return new FairUsage(redis, prefix, 60, outTtlMs);
}

test('usage decays by its half-life and adds up, several tenants in one round trip', async () => {
  const usage = fairUsage('fair-usage');
  const t0 = 1_800_000_000_000;
  await usage.charge(new Map([['a', 10], ['b', 2]]), t0);
  const at = async (ms: number) => Object.fromEntries([...(await usage.read(t0 + ms)).usage].map(([t, s]) => [t, Number(s.toFixed(6))]));
  assert.deepEqual(await at(0), { a: 10, b: 2 });
  // One half-life later: halved.
  assert.deepEqual(await at(60_000), { a: 5, b: 1 });
  // Charged then: decayed to then first, and the new work added.
  await usage.charge(new Map([['a', 4]]), t0 + 60_000);
  assert.deepEqual(await at(120_000), { a: 4.5, b: 0.5 });
  // Nothing charged for no work (nor for a value that is not a number).
  await usage.charge(new Map([['c', 0], ['d', Number.NaN]]), t0);
  assert.deepEqual(Object.keys(await at(0)).sort(), ['a', 'b']);
});

test("each replica's work out is seen by the others, and a dead replica's lapses", async () => {
  const usage = fairUsage('fair-out', 10_000);
  const t0 = 1_800_000_000_000;
  const out = (replica: string, change: Array<[string, number]>, at: number) => usage.charge(new Map(), at, { replica, change: new Map(change) });
  await out('r1', [['a', 2], ['b', 1]], t0);
  await out('r2', [['a', 0.5]], t0);
  const seen = async (replica: string, at: number) => Object.fromEntries((await usage.read(at, replica)).othersOut);
  assert.deepEqual(await seen('r1', t0), { a: 0.5 }, 'r1 sees r2\'s work out, not its own');
  assert.deepEqual(await seen('r2', t0), { a: 2, b: 1 });
  // r1's batch of a settles: 2 s charged as used, its 2 predicted seconds leave the work out; b's goes on.
  await usage.charge(new Map([['a', 1.8]]), t0 + 1000, { replica: 'r1', change: new Map([['a', -2]]) });
  assert.deepEqual(await seen('r2', t0 + 1000), { b: 1 });
  assert.ok(Math.abs((await usage.read(t0 + 1000)).usage.get('a')! - 1.8) < 1e-9);
  // r1 dies: past the TTL of its last write, its work out no longer counts.
  assert.deepEqual(await seen('r2', t0 + 12_000), {});
});

test('shares: targets follow weights among the tenants using the fleet; use is each one part of the worker-seconds', () => {
  const usage = new Map([['a', 30], ['b', 10], ['gone', 1e-6], ['none', 0]]);
  const shares = tenantShares(usage, new FairTree({ tenants: { a: { weight: 3, maxShare: 1 } }, groups: {} }), ['newcomer']);
  assert.deepEqual(shares.map((s) => s.tenant), ['a', 'b', 'newcomer'], 'a tenant whose use has decayed away holds no share');
  assert.deepEqual(shares.map((s) => Number(s.target.toFixed(4))), [0.6, 0.2, 0.2]);
  assert.deepEqual(shares.map((s) => s.used), [0.75, 0.25, 0]);
  assert.deepEqual(tenantShares(new Map(), new FairTree({ tenants: {}, groups: {} })), []);
  // A group takes its share by its weight, its tenants share that by theirs; a tenant in no group is its own.
  const tree = new FairTree({ tenants: { t1: { weight: 3, maxShare: 1 } }, groups: { team: { weight: 2, tenants: ['t1', 't2', 't3'] } } });
  const targets = Object.fromEntries(tenantShares(new Map([['t1', 1], ['t2', 1], ['solo', 1]]), tree).map((s) => [s.tenant, Number(s.target.toFixed(4))]));
  assert.deepEqual(targets, { solo: 0.3333, t1: 0.5, t2: 0.1667 }, 'team (2 of 3): t1 three quarters of it, t2 a quarter; t3, idle, holds none');
  // Ranks: the group's use first, then the tenant's own.
  const used = (t: string) => ({ t1: 6, t2: 0, solo: 5 })[t] ?? 0;
  assert.ok(tree.rank('t2', used) < tree.rank('t1', used), 'within the team, the tenant below its share first');
  assert.ok(tree.rank('solo', used) > tree.rank('t2', used) && tree.rank('solo', used) > tree.rank('t1', used), 'the team (6 s ÷ 2) is below solo (5 s ÷ 1)');
  // A tenant in two groups is a configuration error, named.
  assert.throws(() => schedulerConfig({ fairShare: { groups: { x: { tenants: ['a'] }, y: { tenants: ['a'] } } } }), /tenant a is in groups x and y/);
});

test("GetFleet and the metrics report each tenant's worker-seconds, its share and its target, from jobs and from batch units", async () => {
  const sys: TestSystem = await startSystem('fair-fleet', { workers: 2, config: { metricsListen: '127.0.0.1:0', fairShare: { tenants: { heavy: { weight: 3 } } } } });
  stops.push(() => sys.stop());
  const doc = (n: number, seed: number) => packTokens(Uint32Array.from({ length: n }, (_, k) => (seed * 7919 + k) % 100_000));
  // heavy runs more work than light; a third tenant runs a batch object only.
  for (const [tenant, jobs, length] of [['heavy', 40, 2000], ['light', 10, 500]] as const) {
    const c = sys.client(tenant);
    const ids: string[] = [];
    for (let i = 0; i < jobs; i++) ids.push((await c.submit({ op: 'embed', tokens: doc(length, i + (tenant === 'heavy' ? 0 : 1000)) })).id);
    const final = await watchUntilFinal(c, ids);
    assert.equal([...final.values()].filter((ev) => ev.at(-1)!.state === 'JOB_STATE_SUCCEEDED').length, jobs);
  }
  const batches = new BatchClient(sys.scheduler.address, 'bulk');
  stops.push(async () => batches.close());
  const created = await batches.create({ op: 'embed', idempotencyKey: 'fair-1' }, Array.from({ length: 50 }, (_, i) => ({ customId: `d${i}`, tokens: doc(300, 5000 + i) })));
  assert.equal((await batches.wait(created.id)).state, 'BATCH_STATE_SUCCEEDED');

  // The usage is written as each batch settles, without waiting for it: let the last writes land.
  await new Promise((r) => setTimeout(r, 300));
  const fleet = await sys.client('heavy').getFleet();
  const share = new Map(fleet.tenants.map((t) => [t.tenant, t.share]));
  for (const t of ['heavy', 'light', 'bulk']) assert.ok(share.get(t) && share.get(t)!.workerSeconds > 0, `${t} used worker-seconds: ${JSON.stringify(share.get(t))}`);
  assert.equal(share.get('heavy')!.weight, 3);
  assert.equal(share.get('light')!.weight, 1);
  assert.ok(Math.abs(share.get('heavy')!.target - 0.6) < 1e-9 && Math.abs(share.get('bulk')!.target - 0.2) < 1e-9, JSON.stringify([...share]));
  const used = [...share.values()].reduce((a, s) => a + s!.used, 0);
  assert.ok(Math.abs(used - 1) < 1e-9, `used shares add up to 1: ${used}`);
  assert.ok(share.get('heavy')!.workerSeconds > share.get('light')!.workerSeconds, 'more and longer jobs used more worker-seconds');

  await new Promise((r) => setTimeout(r, 1100)); // the metrics read Redis at most once a second
  const page = await Scrape.of(sys.scheduler.metricsAddress);
  assert.ok(Math.abs(page.sum('nightshift_tenant_share', { tenant: 'heavy', kind: 'target' }) - 0.6) < 1e-9);
  assert.ok(Math.abs(page.sum('nightshift_tenant_share', { kind: 'used' }) - 1) < 1e-6);
  // Each job's wait for dispatch, by tenant.
  assert.equal(page.sum('nightshift_tenant_wait_seconds_count', { tenant: 'heavy' }), 40);
  assert.equal(page.sum('nightshift_tenant_wait_seconds_count', { tenant: 'light' }), 10);
});

test("a noisy neighbour: one tenant's backlog of 3,000 jobs does not make another's single jobs wait for it", async () => {
  const on = await noisyNeighbour(true, 12);
  const off = await noisyNeighbour(false, 12);
  const p99 = (xs: number[]) => [...xs].sort((a, b) => a - b).at(-1)!;
  const msg = `interactive waits, fair sharing on: p99 ${p99(on.waits).toFixed(0)} ms (backlog still ${(100 * on.backlogLeft).toFixed(0)}% waiting at the end); off: p99 ${p99(off.waits).toFixed(0)} ms`;
  process.stdout.write(`# ${msg}\n`);
  assert.ok(on.backlogLeft > 0.5, `the backlog was still there while the interactive jobs ran: ${msg}`);
  assert.ok(p99(on.waits) < 1000, msg);
  assert.ok(p99(off.waits) > 2 * p99(on.waits), `without fair sharing the interactive jobs wait behind the backlog: ${msg}`);
});
