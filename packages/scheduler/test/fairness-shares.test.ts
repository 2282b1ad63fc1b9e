import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { BatchClient } from '../src/index.js';
import { FairUsage } from '../src/fairness/index.js';
import { startSystem } from './helpers/system.js';
import { REDIS_URL } from './helpers/redis.js';
import { backlogs, doc, finished, ms, peakBatches, seconds, submit } from './helpers/fair-workload.js';

// Issue 20: dispatch by fair share, on real workers. Worker-seconds are measured from the jobs' own
// records (each job's kernel seconds, the part of its run inside the window), not from the usage
// the scheduler steers by. Batches are kept small (maxBatchJobs) so that a window of seconds holds
// many of them: the error of fair sharing is bounded by the work out at once, not by the window.
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

/** Each tenant's share is its target within 5% of the target. */
function assertShares(got: Map<string, { share: number }>, targets: Record<string, number>): void {
  const msg = [...got].map(([t, g]) => `${t} ${(100 * g.share).toFixed(1)}% (target ${(100 * targets[t]!).toFixed(1)}%)`).join(', ');
  process.stdout.write(`# ${msg}\n`);
  for (const [t, target] of Object.entries(targets)) assert.ok(Math.abs(got.get(t)!.share / target - 1) <= 0.05, `${t}: ${msg}`);
}

test('weights: equal backlogs of three tenants weighted 3:1:1, then two weighted 1:1, get worker-seconds in those proportions within 5%', async () => {
  const sys = await startSystem('fair-weights', { workers: 2, config: { batching: { maxBatchJobs: 8 }, fairShare: { halfLifeSeconds: 86_400, tenants: { a: { weight: 3 } } } } });
  stops.push(() => sys.stop());
  assertShares(await backlogs(sys, ['a', 'b', 'c'].map((tenant) => ({ tenant, jobs: 400, length: 2500 }))), { a: 0.6, b: 0.2, c: 0.2 });
  // New tenants, no history: the first three are idle now and hold no share.
  assertShares(await backlogs(sys, ['d', 'e'].map((tenant) => ({ tenant, jobs: 250, length: 2500 })), 10), { d: 0.5, e: 0.5 });
});

test('groups: a team of two tenants takes one share, which its tenants split; a tenant in no group takes the other', async () => {
  const sys = await startSystem('fair-groups', { workers: 2, config: { batching: { maxBatchJobs: 8 }, fairShare: { halfLifeSeconds: 86_400, groups: { team: { tenants: ['t1', 't2'] } } } } });
  stops.push(() => sys.stop());
  assertShares(await backlogs(sys, ['t1', 't2', 'solo'].map((tenant) => ({ tenant, jobs: 400, length: 2500 })), 90), { t1: 0.25, t2: 0.25, solo: 0.5 });
});

test('long against short: equal weights get equal worker-seconds within 5%, not equal jobs, though their jobs wait in different queues', async () => {
  const sys = await startSystem('fair-long', { workers: 2, config: { batching: { maxBatchJobs: 4 }, fairShare: { halfLifeSeconds: 86_400 } } });
  stops.push(() => sys.stop());
  const got = await backlogs(sys, [{ tenant: 'long', jobs: 150, length: 5000 }, { tenant: 'short', jobs: 1200, length: 1000 }]);
  assertShares(got, { long: 0.5, short: 0.5 });
  assert.ok(got.get('short')!.jobs > 5 * got.get('long')!.jobs, `short ran many more jobs: ${JSON.stringify([...got])}`);
});

test('work conserving: a tenant alone on the fleet, far over its share, still gets every slot', async () => {
  const sys = await startSystem('fair-alone', { workers: 2, config: { batching: { maxBatchJobs: 8 }, fairShare: { tenants: { idle: { weight: 9 } } } } });
  stops.push(() => sys.stop());
  // It has used an hour of the fleet lately; the heavily weighted tenant none.
  const redis = new Redis(REDIS_URL);
  await new FairUsage(redis, sys.prefix, 3600).charge(new Map([['alone', 3600]]));
  await redis.quit();
  const c = sys.client('alone');
  const jobs = await finished(c, await submit(c, { tenant: 'alone', jobs: 300, length: 2500 }, 20));
  // Its batches ran side by side on both workers, two at a time each (maxBatchesInFlight): the whole fleet.
  assert.equal(new Set(jobs.map((j) => j.workerId)).size, 2);
  assert.equal(peakBatches(jobs), 4);
});

test('maxShare: a tenant capped at half the fleet holds at most two of the four slots, even alone; the rest go to another tenant', async () => {
  const sys = await startSystem('fair-cap', { workers: 2, config: { batching: { maxBatchJobs: 8 }, fairShare: { tenants: { capped: { maxShare: 0.5 } } } } });
  stops.push(() => sys.stop());
  const capped = sys.client('capped');
  const cappedDone = submit(capped, { tenant: 'capped', jobs: 300, length: 2500 }, 70).then((ids) => finished(capped, ids));
  await new Promise((r) => setTimeout(r, 1500));
  const other = sys.client('other');
  const otherJobs = await finished(other, await submit(other, { tenant: 'other', jobs: 100, length: 2500 }, 71));
  const cappedJobs = await cappedDone;
  assert.equal(peakBatches(cappedJobs), 2, 'the capped tenant: two batches out at most');
  assert.equal(peakBatches([...cappedJobs, ...otherJobs]), 4, 'with the other tenant: the whole fleet');
  assert.ok(Math.min(...otherJobs.map((j) => ms(j.startedAt))) < Math.max(...cappedJobs.map((j) => ms(j.finishedAt))), "the other tenant's jobs ran while the capped one still had work");
});

test('decay: a tenant that had the fleet alone yields to a newcomer at once, then their shares return to equal', async () => {
  const sys = await startSystem('fair-decay', { workers: 2, config: { batching: { maxBatchJobs: 8 }, fairShare: { halfLifeSeconds: 1 } } });
  stops.push(() => sys.stop());
  const old = sys.client('old');
  const oldIds = await submit(old, { tenant: 'old', jobs: 1600, length: 2500 }, 30);
  const oldDone = finished(old, oldIds);
  await new Promise((r) => setTimeout(r, 3000));
  const newcomer = sys.client('newcomer');
  const newJobs = await finished(newcomer, await submit(newcomer, { tenant: 'newcomer', jobs: 700, length: 2500 }, 31));
  const oldJobs = await oldDone;
  const arrived = Math.min(...newJobs.map((j) => ms(j.createdAt)));
  const firstStart = Math.min(...newJobs.map((j) => ms(j.startedAt)));
  const end = Math.min(Math.max(...newJobs.map((j) => ms(j.finishedAt))), Math.max(...oldJobs.map((j) => ms(j.finishedAt))));
  const share = (from: number, to: number) => seconds(newJobs, from, to) / (seconds(newJobs, from, to) + seconds(oldJobs, from, to));
  const msg = `newcomer's first job started ${(firstStart - arrived).toFixed(0)} ms after the first was queued; its share in the second from then ${(100 * share(firstStart, firstStart + 1000)).toFixed(0)}%, from 4 half-lives on ${(100 * share(arrived + 4000, end)).toFixed(1)}%`;
  process.stdout.write(`# ${msg}\n`);
  // At once: within a batch's run (the slots were all the old tenant's), and then most of the fleet.
  assert.ok(firstStart - arrived < 1000, msg);
  assert.ok(share(firstStart, firstStart + 1000) > 0.7, msg);
  // Then, the old tenant's lead decayed: equal shares.
  assert.ok(end - arrived > 6000, `both still had work 6 s after the newcomer came: ${msg}`);
  assert.ok(Math.abs(share(arrived + 4000, end) / 0.5 - 1) <= 0.05, msg);
});

test('two replicas dispatching the same tenants keep the shares: 3:1 within 5%', async () => {
  const sys = await startSystem('fair-replicas', { workers: 2, config: { batching: { maxBatchJobs: 8 }, fairShare: { halfLifeSeconds: 86_400, tenants: { a: { weight: 3 } } } } });
  stops.push(() => sys.stop());
  await sys.addReplica({ batching: { maxBatchJobs: 8 }, fairShare: { halfLifeSeconds: 86_400, tenants: { a: { weight: 3 } } } });
  const got = await backlogs(sys, ['a', 'b'].map((tenant) => ({ tenant, jobs: 500, length: 2500 })), 40);
  assertShares(got, { a: 0.75, b: 0.25 });
});

test("batch objects: two tenants' units, weighted 3:1, get worker-seconds 3:1 within 5%", async () => {
  const sys = await startSystem('fair-units', { workers: 2, config: { batches: { unitMaxItems: 4 }, fairShare: { halfLifeSeconds: 86_400, tenants: { a: { weight: 3 } } } } });
  stops.push(() => sys.stop());
  const clients = ['a', 'b'].map((t) => new BatchClient(sys.scheduler.address, t));
  stops.push(async () => clients.forEach((c) => c.close()));
  const ids = await Promise.all(
    clients.map(async (c, t) => (await c.create({ op: 'attention', idempotencyKey: `fair-units-${t}` }, Array.from({ length: 800 }, (_, i) => ({ customId: `d${i}`, tokens: doc(2500, 80 + t, i) })))).id),
  );
  // Each batch's cost so far (its units' kernel seconds, at one price), until the first is done.
  const samples: number[][] = [];
  for (;;) {
    const now = await Promise.all(ids.map((id, t) => clients[t]!.getBatch(id)));
    samples.push(now.map((b) => b.cost));
    if (now.some((b) => b.state === 'BATCH_STATE_SUCCEEDED')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // The middle half of that time, both batches well under way.
  const from = samples[Math.floor(samples.length / 4)]!;
  const to = samples[Math.floor((3 * samples.length) / 4)]!;
  const share = (to[0]! - from[0]!) / (to[0]! - from[0]! + to[1]! - from[1]!);
  process.stdout.write(`# units: a ${(100 * share).toFixed(1)}% (target 75%) over ${samples.length} samples\n`);
  assert.ok(Math.abs(share / 0.75 - 1) <= 0.05, `a's share ${share}`);
});
