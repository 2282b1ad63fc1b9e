// Issue 18's failures for batch objects: scheduler and worker processes killed with SIGKILL, a
// Redis restarted on its append-only file, a batch deferred and released, two replicas, two
// tenants. Each ends with every item's result there exactly once, in input order, equal to the
// reference kernel's, and the tenant's reservation back at 0.
import { after, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import * as grpc from '@grpc/grpc-js';
import { fromTimestamp, packTokens, resolveOp, type Batch__Output, type BatchHeader, type BatchItem, type BatchItemResult__Output, type OpSpec } from '@nightshift/proto';
import { runOp } from '@nightshift/worker/kernels';
import { BatchClient, JobClient, ManualClock, schedulerConfig, startScheduler, type RunningScheduler } from '../src/index.js';
import { BatchKeys, BatchStore, UNIT_QUEUES, type BatchRecord } from '../src/batch-objects/index.js';
import { FINAL_BATCH_API_STATES } from '../src/client/batch-client.js';
import { logNormalLengths, startRedisServer, type RedisServerHandle, startSchedulerProcess, startWorkerProcess as startWorker, type ServiceProcess, dropPrefix as drop } from '@nightshift/devtools';
import { startSystem, type TestSystem } from './helpers/system.js';
import { REDIS_URL, testPrefix } from './helpers/redis.js';
import { rng } from './helpers/workload.js';
import { Scrape } from './helpers/prometheus.js';

const logs = Boolean(process.env.NIGHTSHIFT_TEST_LOGS);
const dir = mkdtempSync(join(tmpdir(), 'ns-batch-failures-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** What a test started, stopped in reverse order once it ends (pass or fail): schedulers before their workers, the prefix last. */
type Stops = Array<() => Promise<unknown>>;
function stopsOf(t: TestContext): Stops {
  const stops: Stops = [];
  t.after(async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  });
  return stops;
}

/** minhash at `numPerm` permutations: more makes a unit slower (and the reference too). */
function minhash(numPerm: number): { spec: OpSpec; header: BatchHeader } {
  const params = { minhash: { numPerm: String(numPerm) } };
  return { spec: resolveOp('minhash', params) as OpSpec, header: { op: 'minhash', params } };
}

type Doc = { customId: string; tokens: Uint32Array };

/** n items of log-normal lengths (median 120), every 50th a copy of an earlier one. */
function corpus(n: number, seed: number, prefix = 'doc'): Doc[] {
  const rand = rng(seed);
  const lengths = logNormalLengths(n, seed, { median: 120, max: 2000 });
  const out: Doc[] = [];
  for (let i = 0; i < n; i++) {
    const tokens = i % 50 === 49 ? out[Math.floor(rand() * i)]!.tokens : Uint32Array.from({ length: Math.max(1, lengths[i]!) }, () => Math.floor(rand() * 200_000));
    out.push({ customId: `${prefix}-${i}`, tokens });
  }
  return out;
}

const wire = (items: Doc[]): BatchItem[] => items.map((it) => ({ customId: it.customId, tokens: packTokens(it.tokens) }));

async function collect(client: BatchClient, id: string): Promise<BatchItemResult__Output[]> {
  const out: BatchItemResult__Output[] = [];
  for await (const r of client.results(id)) out.push(r);
  return out;
}

/** Every item once, in input order, with the reference kernel's result. */
function assertEveryResultOnce(got: BatchItemResult__Output[], items: Doc[], spec: OpSpec): void {
  assert.equal(got.length, items.length, 'one result an item');
  for (let i = 0; i < items.length; i++) {
    const r = got[i]!;
    assert.equal(Number(r.index), i, `result ${i} is item ${i}'s`);
    assert.equal(r.customId, items[i]!.customId);
    assert.equal(r.error, undefined, `item ${i}: ${r.error}`);
    assert.deepEqual(r.result?.signature, Array.from(runOp(spec, items[i]!.tokens)), `item ${i}'s signature`);
  }
}

/** The batch's record counts every item once and every unit once. */
function assertCountedOnce(b: Batch__Output, n: number): void {
  assert.equal(b.state, 'BATCH_STATE_SUCCEEDED');
  assert.deepEqual([b.items?.total, b.items?.succeeded, b.items?.failed, b.items?.pending], [String(n), String(n), '0', '0']);
  assert.equal(b.unitsDone, b.units, 'every unit counted once');
}

/** The tenant holds nothing reserved and has paid for what ran; `cost`: the batches' cost, when every unit was charged as it was stored (no crash between the two). */
async function assertSettled(address: string, tenant: string, cost?: number): Promise<void> {
  const c = new JobClient(address, tenant);
  try {
    const usage = (await c.getUsage()).current!;
    assert.ok(Math.abs(usage.reserved) < 1e-9, `${tenant}'s reservation released (${usage.reserved} left)`);
    assert.ok(usage.spent > 0, `${tenant} paid for what ran`);
    if (cost !== undefined) assert.ok(Math.abs(usage.spent - cost) <= 1e-9 * cost, `${tenant} spent ${usage.spent}, the batches' cost ${cost}`);
  } finally {
    c.close();
  }
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

/** The batch once final, asked again and again: the scheduler may be away a while (a Redis restart). */
async function finalOf(client: BatchClient, id: string): Promise<Batch__Output> {
  let b: Batch__Output | undefined;
  await until(`batch ${id} is final`, async () => {
    b = await client.getBatch(id).catch(() => undefined);
    return Boolean(b && (FINAL_BATCH_API_STATES as readonly string[]).includes(b.state));
  }, 180_000);
  return b!;
}

/** The batch's record straight from Redis (no scheduler needed). */
async function recordOf(redis: Redis, prefix: string, id: string): Promise<BatchRecord> {
  const b = await new BatchStore(redis, new BatchKeys(prefix)).get(id);
  assert.ok(b, `batch ${id} is stored`);
  return b;
}

const workerProcess = async (stops: Stops, id: string, env: Record<string, string> = {}): Promise<ServiceProcess> => {
  const w = await startWorker(id, env, [], logs);
  stops.push(() => w.kill());
  return w;
};

/** A scheduler process with the YAML configuration given; its logs in a file of the test's folder (or shown, with NIGHTSHIFT_TEST_LOGS). */
let configs = 0;
async function schedulerProcess(stops: Stops, redisUrl: string, prefix: string, workers: ServiceProcess[], yaml: string): Promise<ServiceProcess> {
  const file = join(dir, `scheduler-${++configs}.yaml`);
  writeFileSync(file, yaml);
  const s = await startSchedulerProcess(redisUrl, prefix, workers, { NIGHTSHIFT_CONFIG: file }, logs || join(dir, `scheduler-${configs}.log`));
  stops.push(() => s.kill());
  return s;
}

/** Locks that expire in 3 s, so that units a killed scheduler held come back soon; small units, many of them. */
const CRASH_CONFIG = 'dispatch:\n  lockMs: 3000\nbatches:\n  unitMaxPaddedTokens: 16384\n';

test('kill -9 of the scheduler mid-upload: the stream dies, a new scheduler takes the same key, the client sends the rest, and every item runs once', async (t) => {
  const stops = stopsOf(t);
  const prefix = testPrefix('bf-upload');
  stops.push(() => drop(REDIS_URL, prefix));
  const redis = new Redis(REDIS_URL);
  stops.push(() => redis.quit());
  const keys = new BatchKeys(prefix);
  const workers = [await workerProcess(stops, 'w1'), await workerProcess(stops, 'w2')];
  // Planning windows of 500 items: the upload commits as it goes, and a resumed one skips whole windows.
  const config = `${CRASH_CONFIG}  planWindowItems: 500\n`;
  const first = await schedulerProcess(stops, REDIS_URL, prefix, workers, config);
  const { spec, header } = minhash(64);
  const items = corpus(5000, 41);
  const idOf = async () => (await redis.get(keys.idempotency('acme', 'cut-by-kill'))) ?? '';

  const client = new BatchClient(first.ready.address, 'acme');
  stops.push(async () => client.close());
  const cut = client.create({ ...header, idempotencyKey: 'cut-by-kill' }, (async function* () {
    for (const [i, item] of wire(items).entries()) {
      if (i === 3000) {
        // Some windows are stored, the rest is on its way: the scheduler dies under the stream.
        await until('two windows are stored', async () => Number((await redis.hget(keys.meta(await idOf()), 'items')) ?? 0) >= 1000);
        await first.kill();
      }
      yield item;
    }
  })(), { itemsPerMessage: 100 });
  await assert.rejects(cut, (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE, 'the stream died with its scheduler');
  const id = await idOf();
  const cutOff = await recordOf(redis, prefix, id);
  assert.equal(cutOff.state, 'UPLOADING');
  assert.ok(cutOff.items >= 1000 && cutOff.items <= 3000 && cutOff.items % 500 === 0, `${cutOff.items} items held: whole windows, no more than were sent`);

  // A new scheduler on the same prefix; the client sends again with the same key, from where the server says.
  const second = await schedulerProcess(stops, REDIS_URL, prefix, workers, config);
  const again = new BatchClient(second.ready.address, 'acme');
  stops.push(async () => again.close());
  let stored = -1;
  const b = await again.create({ ...header, idempotencyKey: 'cut-by-kill' }, wire(items), { itemsPerMessage: 100, onStored: (s) => (stored = s) });
  assert.equal(b.id, id);
  assert.equal(stored, cutOff.items, 'the server says what it holds');
  assert.equal(b.items?.total, '5000');
  assert.equal((await recordOf(redis, prefix, id)).windows, 10, 'ten windows of 500: none stored twice, none split');
  const done = await again.wait(b.id);
  assertCountedOnce(done, items.length);
  assertEveryResultOnce(await collect(again, b.id), items, spec);
  await assertSettled(second.ready.address, 'acme', done.cost);
});

test('kill -9 of the scheduler mid-run: a new one recovers the units the dead one held, and every item runs once', async (t) => {
  const stops = stopsOf(t);
  const prefix = testPrefix('bf-run');
  stops.push(() => drop(REDIS_URL, prefix));
  const redis = new Redis(REDIS_URL);
  stops.push(() => redis.quit());
  const workers = [await workerProcess(stops, 'w1'), await workerProcess(stops, 'w2')];
  const first = await schedulerProcess(stops, REDIS_URL, prefix, workers, CRASH_CONFIG);
  const { spec, header } = minhash(256);
  const items = corpus(4000, 42);
  const client = new BatchClient(first.ready.address, 'acme');
  stops.push(async () => client.close());
  const b = await client.create({ ...header, idempotencyKey: 'killed-mid-run' }, wire(items));
  assert.ok(b.units > 40, `${b.units} units`);
  // Units out on the workers (BullMQ's active list) when the scheduler dies.
  const active = `${prefix}:${UNIT_QUEUES['on-demand']}:active`;
  await until('a few units are done and more are out', async () => (await recordOf(redis, prefix, b.id)).unitsDone >= 4 && (await redis.llen(active)) > 0);
  await first.kill();
  const stranded = await redis.llen(active);
  const atKill = await recordOf(redis, prefix, b.id);
  assert.ok(stranded > 0, 'the dead scheduler held units');
  assert.ok(atKill.unitsDone < atKill.units, `${atKill.unitsDone} of ${atKill.units} units done at the kill`);

  const second = await schedulerProcess(stops, REDIS_URL, prefix, workers, CRASH_CONFIG);
  const again = new BatchClient(second.ready.address, 'acme');
  stops.push(async () => again.close());
  const done = await finalOf(again, b.id);
  assertCountedOnce(done, items.length);
  assertEveryResultOnce(await collect(again, b.id), items, spec);
  assert.equal(await redis.llen(active), 0, 'no unit left out');
  // A unit charged just before the kill and stored by its second run may differ in cost: spent is not compared.
  await assertSettled(second.ready.address, 'acme');
});

test('kill -9 of a worker mid-unit: its unit runs again on the other worker, and every result is right', async (t) => {
  const stops = stopsOf(t);
  // A worker that failed is left alone for 10 s: its next failures (each taking an attempt of some unit) do not come in this run.
  const sys: TestSystem = await startSystem('bf-worker', { workers: 2, config: { batches: { unitMaxPaddedTokens: 32_768 }, dispatch: { workerBackoffMs: 10_000 } } });
  stops.push(() => sys.stop());
  const { spec, header } = minhash(256);
  const items = corpus(2500, 43);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  stops.push(async () => client.close());
  const b = await client.create({ ...header, idempotencyKey: 'worker-dies' }, wire(items));
  for await (const w of client.watch(b.id)) if (w.unitsDone >= 2) break;
  // Frozen first, so that a unit it holds cannot finish in between: w1 dies with a unit on it.
  const w1 = sys.workers[0]!;
  const held = () => sys.scheduler.fleet().find((w) => w.id === 'w1')!.inFlight;
  await until('w1 is frozen holding a unit', async () => {
    w1.child.kill('SIGSTOP');
    await sleep(300);
    if (held() > 0) return true;
    w1.child.kill('SIGCONT');
    await sleep(100);
    return false;
  }, 60_000);
  const before = await client.getBatch(b.id);
  assert.ok(before.unitsDone < before.units, 'units left');
  await w1.kill();

  const done = await client.wait(b.id);
  assertCountedOnce(done, items.length);
  assertEveryResultOnce(await collect(client, b.id), items, spec);
  await assertSettled(sys.scheduler.address, 'acme', done.cost);
});

test('Redis restarted (append-only file) mid-run: the batch finishes, every item once, its reservation released', async (t) => {
  const stops = stopsOf(t);
  const redisDir = mkdtempSync(join(dir, 'redis-'));
  const args = ['--appendfsync', 'always'];
  let server: RedisServerHandle = await startRedisServer({ appendonly: true, dir: redisDir, args });
  const { port, url } = server;
  stops.push(() => server.stop());
  const prefix = testPrefix('bf-redis');
  const redis = new Redis(url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined);
  stops.push(async () => redis.disconnect());
  const workers = [await workerProcess(stops, 'w1'), await workerProcess(stops, 'w2')];
  const s = await schedulerProcess(stops, url, prefix, workers, CRASH_CONFIG);
  const { spec, header } = minhash(256);
  const items = corpus(4000, 44);
  const client = new BatchClient(s.ready.address, 'acme');
  stops.push(async () => client.close());
  const b = await client.create({ ...header, idempotencyKey: 'redis-restarts' }, wire(items));
  await until('a few units are done', async () => (await client.getBatch(b.id)).unitsDone >= 4);
  const atKill = await recordOf(redis, prefix, b.id);
  // A crash, not a shutdown: every write it acknowledged is in its append-only file (fsync always).
  process.kill(server.pid, 'SIGKILL');
  await server.stop();
  await sleep(1000);
  server = await startRedisServer({ appendonly: true, dir: redisDir, port, args });
  const atRestart = await recordOf(redis, prefix, b.id);
  assert.ok(atKill.unitsDone < atKill.units - 10, `${atKill.unitsDone} of ${atKill.units} units done when Redis died`);
  assert.ok(atRestart.unitsDone >= atKill.unitsDone, `units done kept across the restart: ${atKill.unitsDone}, then ${atRestart.unitsDone}`);

  const done = await finalOf(client, b.id);
  assertCountedOnce(done, items.length);
  assertEveryResultOnce(await collect(client, b.id), items, spec);
  await assertSettled(s.ready.address, 'acme');
  await s.stop();
  await drop(url, prefix);
});

test('a batch with a completion window is deferred to the cheaper night, held there, and released and run when the night opens', async (t) => {
  const stops = stopsOf(t);
  const utc = (t: string) => Date.parse(t);
  const H = 3_600_000;
  const clock = new ManualClock(utc('2026-11-23T12:00:00Z'));
  const sys = await startSystem('bf-defer', {
    workers: 1,
    clock,
    config: {
      calendar: [{ name: 'night', start: '0 22 * * *', durationMinutes: 480, timezone: 'UTC', spot: false }],
      pricing: { classes: { cpu: { 'on-demand': 1000, night: 250 } } },
      deferral: { heavyPrice: 0, marginMinutes: 60 },
      limits: { defaults: { budget: 1000, budgetPeriod: 'month' } },
      batches: { unitMaxPaddedTokens: 16_384 },
    },
  });
  stops.push(() => sys.stop());
  const { spec, header } = minhash(64);
  const items = corpus(2000, 45);
  const client = new BatchClient(sys.scheduler.address, 'acme');
  stops.push(async () => client.close());

  const b = await client.create({ ...header, idempotencyKey: 'tonight', completionWindowSeconds: 86_400 }, wire(items));
  assert.equal(b.state, 'BATCH_STATE_DEFERRED');
  assert.equal(b.plannedWindow, 'night');
  assert.equal(fromTimestamp(b.plannedStart), utc('2026-11-23T22:00:00Z'));
  assert.equal(b.quote?.window, 'night');
  assert.match(b.placement, /^deferred to night/);
  assert.ok(Math.abs(fromTimestamp(b.deadline) - (clock.now() + 24 * H)) < 10_000, `the deadline is the scheduler's now + 24 h: ${b.deadline ? new Date(fromTimestamp(b.deadline)).toISOString() : 'none'}`);
  const jobs = sys.client('acme');
  assert.ok(Math.abs((await jobs.getUsage()).current!.reserved - b.quote!.price) < 1e-9, 'its whole quote reserved at the night price');

  // Held: sweeps come and go (every pollMs, 250 ms) and no unit runs before the night.
  await sleep(1500);
  const held = await client.getBatch(b.id);
  assert.equal(held.state, 'BATCH_STATE_DEFERRED');
  assert.equal(held.unitsDone, 0);

  // The night opens; the sweeper (reading the scheduler's clock) releases the batch.
  const seen: Batch__Output[] = [];
  const watching = (async () => {
    for await (const w of client.watch(b.id)) seen.push(w);
  })();
  await until('the watch has the batch', () => seen.length > 0);
  clock.advance(10.5 * H);
  await watching;
  const done = seen.at(-1)!;
  // DEFERRED, then QUEUED and RUNNING as the watch happened to see them, then SUCCEEDED: never back.
  const order = ['BATCH_STATE_DEFERRED', 'BATCH_STATE_QUEUED', 'BATCH_STATE_RUNNING', 'BATCH_STATE_SUCCEEDED'];
  const states = seen.map((w) => order.indexOf(w.state));
  assert.ok(states[0] === 0 && states.every((s, i) => s >= 0 && (i === 0 || s >= states[i - 1]!)), `states seen: ${seen.map((w) => w.state).join(', ')}`);
  assertCountedOnce(done, items.length);
  assert.ok(done.startedAt, 'it ran: only its first unit moves it to RUNNING, and stamps startedAt');
  assert.equal(done.plannedWindow, 'night');
  assertEveryResultOnce(await collect(client, b.id), items, spec);
  await assertSettled(sys.scheduler.address, 'acme', done.cost);
});

test('two scheduler replicas share one batch: each one\'s worker runs some of its units, every unit runs once, every result is right', async (t) => {
  const stops = stopsOf(t);
  const prefix = testPrefix('bf-replicas');
  stops.push(() => drop(REDIS_URL, prefix));
  const metrics = { NIGHTSHIFT_WORKER_METRICS_LISTEN: '127.0.0.1:0' };
  const [wa, wb] = [await workerProcess(stops, 'wa', metrics), await workerProcess(stops, 'wb', metrics)];
  const base = { listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix, logLevel: logs ? 'debug' : 'warn', batches: { unitMaxPaddedTokens: 16_384 } };
  const replica = async (id: string, w: ServiceProcess): Promise<RunningScheduler> => {
    const r = await startScheduler(schedulerConfig({ ...base, workers: [{ id, address: w.ready.address }] }));
    stops.push(() => r.stop());
    return r;
  };
  const [a, b2] = [await replica('wa', wa), await replica('wb', wb)];
  const ran = async (w: ServiceProcess) => {
    const s = await Scrape.of(w.ready.metricsAddress);
    return { batches: s.sum('nightshift_worker_batches_total', { op: 'minhash', outcome: 'ran' }), items: s.sum('nightshift_worker_jobs_total', { op: 'minhash' }) };
  };
  const before = await Promise.all([ran(wa), ran(wb)]);
  const { spec, header } = minhash(128);
  const items = corpus(3000, 46);
  // Uploaded through one replica, read through the other.
  const toA = new BatchClient(a.address, 'acme');
  const toB = new BatchClient(b2.address, 'acme');
  stops.push(async () => (toA.close(), toB.close()));
  const b = await toA.create({ ...header, idempotencyKey: 'shared' }, wire(items));
  const done = await toB.wait(b.id);
  assertCountedOnce(done, items.length);
  assertEveryResultOnce(await collect(toB, b.id), items, spec);
  const after = await Promise.all([ran(wa), ran(wb)]);
  const units = after.map((x, i) => x.batches - before[i]!.batches);
  const computed = after.map((x, i) => x.items - before[i]!.items);
  assert.ok(units[0]! > 0 && units[1]! > 0, `units run by wa and wb: ${units.join(', ')}`);
  assert.equal(units[0]! + units[1]!, done.units, 'each unit sent once');
  assert.equal(computed[0]! + computed[1]!, items.length - Number(done.items?.duplicates), 'each distinct item computed once');
  await assertSettled(a.address, 'acme', done.cost);
});

test("two tenants' batches share the workers: the small one, sent after the big one, finishes while the big one has most of its units left", async (t) => {
  const stops = stopsOf(t);
  const sys = await startSystem('bf-tenants', { workers: 2, config: { batches: { unitMaxPaddedTokens: 16_384 } } });
  stops.push(() => sys.stop());
  const { spec, header } = minhash(256);
  // Big enough that its units outlast the small one's upload by a wide margin (with 3,000 items it ended at 36–41 of 80).
  const bigItems = corpus(4500, 47, 'big');
  const smallItems = corpus(200, 48, 'small');
  const big = new BatchClient(sys.scheduler.address, 'big-co');
  const small = new BatchClient(sys.scheduler.address, 'small-co');
  stops.push(async () => (big.close(), small.close()));
  const A = await big.create({ ...header, idempotencyKey: 'corpus' }, wire(bigItems));
  const B = await small.create({ ...header, idempotencyKey: 'corpus' }, wire(smallItems));
  assert.ok(A.units > 40 && B.units >= 2, `${A.units} and ${B.units} units`);
  const smallDone = await small.wait(B.id);
  const bigThen = await big.getBatch(A.id);
  assertCountedOnce(smallDone, smallItems.length);
  assert.equal(bigThen.state, 'BATCH_STATE_RUNNING');
  assert.ok(bigThen.unitsDone < A.units / 2, `the big batch had ${bigThen.unitsDone} of ${A.units} units done when the small one finished`);

  const bigDone = await big.wait(A.id);
  assertCountedOnce(bigDone, bigItems.length);
  assertEveryResultOnce(await collect(small, B.id), smallItems, spec);
  assertEveryResultOnce(await collect(big, A.id), bigItems, spec);
  await assertSettled(sys.scheduler.address, 'big-co', bigDone.cost);
  await assertSettled(sys.scheduler.address, 'small-co', smallDone.cost);
});

// A batch entirely from the result cache: batches.test.ts.
