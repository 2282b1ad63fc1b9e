// Issue 18: a batch placed in a spot window runs on spot workers; a unit a spot worker hands back runs again, no attempt spent.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { packTokens, resolveOp, type OpSpec } from '@nightshift/proto';
import { agrees, runOp } from '@nightshift/worker/kernels';
import { Redis } from 'ioredis';
import { BatchClient, ManualClock } from '../src/index.js';
import { startSystem, type TestSystem } from './helpers/system.js';
import { REDIS_URL } from './helpers/redis.js';
import { Scrape } from './helpers/prometheus.js';
import { rng } from './helpers/workload.js';

const systems: TestSystem[] = [];
const clients: BatchClient[] = [];
const redis = new Redis(REDIS_URL);
after(async () => {
  for (const c of clients) c.close();
  for (const s of systems) await s.stop();
  redis.disconnect();
});

// A spot window open all day at a tenth of the on-demand price; every batch with a deadline is heavy.
const alwaysSpot = {
  calendar: [{ name: 'spot', start: '0 0 * * *', durationMinutes: 1440, timezone: 'UTC', spot: true }],
  pricing: { classes: { cpu: { 'on-demand': 10, spot: 1 } } },
  deferral: { heavyPrice: 0, marginMinutes: 1 },
  jobs: { backoffMs: 100 },
  // Two items of 4,000 tokens a unit: attention on the TypeScript kernels takes about a second a unit, long enough to be caught.
  batches: { unitMaxPaddedTokens: 8192, pollMs: 50 },
  dispatch: { workerBackoffMs: 60_000 },
};

test('a batch placed in a spot window runs on spot workers only; a spot worker killed mid-unit hands it to the other, no attempt spent, billed at the spot price', async () => {
  const sys = await startSystem('batch-spot', {
    workers: 3,
    workerEnv: { NIGHTSHIFT_KERNELS: 'ts', NIGHTSHIFT_WORKER_METRICS_LISTEN: '127.0.0.1:0' },
    workerEntry: (i) => ({ pool: i === 0 ? 'on-demand' : 'spot', maxBatchesInFlight: 1 }),
    config: alwaysSpot,
  });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const rand = rng(12);
  const spec = resolveOp('attention', null) as OpSpec;
  const items = Array.from({ length: 8 }, (_, i) => ({ customId: `a-${i}`, tokens: Uint32Array.from({ length: 4000 }, () => Math.floor(rand() * 100_000)) }));
  const b = await client.create({ op: 'attention', idempotencyKey: 'spot', completionWindowSeconds: 86_400 }, items.map((it) => ({ customId: it.customId, tokens: packTokens(it.tokens) })));
  assert.equal(b.plannedWindow, 'spot');
  assert.equal(b.quote?.window, 'spot');
  // w2 caught holding a unit, then killed.
  for (let i = 0; i < 600 && !sys.scheduler.fleet().some((w) => w.id === 'w2' && w.inFlight > 0); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(sys.scheduler.fleet().some((w) => w.id === 'w2' && w.inFlight > 0), 'w2 got a unit');
  await sys.workers[1]!.kill();

  const done = await client.wait(b.id);
  assert.equal(done.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(done.items?.succeeded, '8');
  const results = [];
  for await (const r of client.results(b.id)) results.push(r);
  results.forEach((r, i) => assert.ok(agrees('attention', Float32Array.from(r.result!.vector), runOp(spec, items[i]!.tokens)), `item ${i}`));
  assert.equal(await redis.hget(`${sys.prefix}:{bo:${b.id}}:meta`, 'preemptions'), '1', 'one unit handed back');
  const ran = async (i: number) => (await Scrape.of(sys.workers[i]!.ready.metricsAddress)).sum('nightshift_worker_batches_total', { op: 'attention', outcome: 'ran' });
  assert.equal(await ran(0), 0, 'the on-demand worker ran no unit');
  // w2 was caught on its first unit (a second's work), so it finished none: the other spot worker ran every unit.
  assert.equal(await ran(2), done.units, 'the other spot worker ran every unit, the handed-back one included');
  // Billed at $1 an hour, not $10: against the kernel seconds the spot worker spent on it.
  const seconds = (await Scrape.of(sys.workers[2]!.ready.metricsAddress)).sum('nightshift_worker_kernel_seconds_sum', { op: 'attention' });
  assert.ok(done.cost > 0 && done.cost < (seconds * 10) / 3600 / 2, `billed at the spot price (${done.cost} for ${seconds} kernel seconds)`);
});

test('a spot batch whose window closes with units still waiting has the rest run on demand', async () => {
  const clock = new ManualClock(Date.parse('2026-11-23T12:05:00Z'));
  const calendar = [{ name: 'spot', start: '0 12 * * *', durationMinutes: 60, timezone: 'UTC', spot: true }];
  const sys = await startSystem('batch-spot-close', {
    workers: 2,
    workerEnv: { NIGHTSHIFT_KERNELS: 'ts', NIGHTSHIFT_WORKER_METRICS_LISTEN: '127.0.0.1:0' },
    workerEntry: (i) => ({ pool: i === 0 ? 'on-demand' : 'spot', maxBatchesInFlight: 1 }),
    clock,
    config: { ...alwaysSpot, calendar },
  });
  systems.push(sys);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  clients.push(client);
  const rand = rng(13);
  const items = Array.from({ length: 12 }, (_, i) => ({ customId: `c-${i}`, tokens: packTokens(Uint32Array.from({ length: 4000 }, () => Math.floor(rand() * 100_000))) }));
  const b = await client.create({ op: 'attention', idempotencyKey: 'spot-close', completionWindowSeconds: 86_400 }, items);
  assert.equal(b.plannedWindow, 'spot');
  // The spot worker starts; then the window closes (13:05) with most units waiting.
  for (let i = 0; i < 600 && !sys.scheduler.fleet().some((w) => w.id === 'w2' && w.inFlight > 0); i++) await new Promise((r) => setTimeout(r, 20));
  clock.advance(60 * 60_000);
  const done = await client.wait(b.id);
  assert.equal(done.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(done.items?.succeeded, '12');
  assert.match(done.placement, /fell back to on-demand: its spot window closed/);
  const ran = async (i: number) => (await Scrape.of(sys.workers[i]!.ready.metricsAddress)).sum('nightshift_worker_batches_total', { op: 'attention', outcome: 'ran' });
  const [onDemand, spot] = [await ran(0), await ran(1)];
  assert.ok(spot >= 1 && onDemand >= 1, `units on spot ${spot}, on demand ${onDemand}`);
  assert.equal(spot + onDemand, done.units);
});
