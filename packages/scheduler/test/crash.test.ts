import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import * as grpc from '@grpc/grpc-js';
import { packTokens, type JobSpec, type SubmitStreamRequest } from '@nightshift/proto';
import { JobClient } from '../src/index.js';
import { Keys } from '../src/jobs/keys.js';
import { startRedisServer, type RedisServerHandle, startSchedulerProcess, startWorkerProcess as startWorker, type ServiceProcess, dropPrefix as drop } from '@nightshift/devtools';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';

// Crash tests: real processes killed with SIGKILL, a real Redis restarted. Each ends with every
// accepted job completed exactly once: SUCCEEDED with a result, one SUCCEEDED event, and a
// ledger whose jobs, reservations and spend add up.

const JOBS = Number(process.env.CRASH_JOBS ?? 5000);
const dir = mkdtempSync(join(tmpdir(), 'ns-crash-'));
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

const workerProcess = async (id: string) => {
  const w = await startWorker(id, {}, [], Boolean(process.env.NIGHTSHIFT_TEST_LOGS));
  stops.push(() => w.stop());
  return w;
};

/** A scheduler process whose batch locks expire in 3 s, so that a dead one's batches come back soon. */
const schedulerConfig = join(dir, 'scheduler.yaml');
writeFileSync(schedulerConfig, 'dispatch:\n  lockMs: 3000\n');
async function scheduler(redisUrl: string, prefix: string, workers: ServiceProcess[]): Promise<ServiceProcess> {
  const s = await startSchedulerProcess(redisUrl, prefix, workers, { NIGHTSHIFT_CONFIG: schedulerConfig });
  stops.push(() => s.stop());
  return s;
}

async function until(what: string, ok: () => boolean | Promise<boolean>, ms = 120_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The jobs of a run: each its own content (no cache hits) and an idempotency key, so a client can resubmit after a crash. */
function jobs(n: number): SubmitStreamRequest[] {
  return Array.from({ length: n }, (_, i) => {
    const job: JobSpec = { op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 16 + (i % 300) }, (_, k) => (i * 7919 + k * 31) % 199_999)), idempotencyKey: `doc-${i}`, clientRef: `doc-${i}` };
    return { requestId: String(i), job };
  });
}

/** Submits through a client, noting each job id by request; a stream cut by a crash ends quietly. */
/** Submits; `refusals` collects the status codes of the requests refused. */
async function submit(client: JobClient, requests: SubmitStreamRequest[], ids: Map<number, string>, refusals: number[] = []): Promise<void> {
  await client
    .submitMany(requests, (r) => {
      if (!r.job) return void refusals.push(r.error?.code ?? -1);
      const i = Number(r.requestId);
      const before = ids.get(i);
      assert.ok(!before || before === r.job.id, `request ${i}: the same idempotency key gave job ${r.job.id} after ${before}`);
      ids.set(i, r.job.id);
    })
    .catch(() => undefined);
}

/** Counts the tenant's SUCCEEDED events as they come (a tenant-wide watch). */
function countSucceeded(client: JobClient): { count: () => number; stop(): void } {
  let n = 0;
  const watch = client.watchJobs([]);
  watch.on('data', (e: { state: string }) => e.state === 'JOB_STATE_SUCCEEDED' && n++);
  watch.on('error', () => undefined);
  return { count: () => n, stop: () => watch.cancel() };
}

async function waitAllFinal(client: JobClient, ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += 1000) {
    for await (const _ of client.watchJobs(ids.slice(i, i + 1000)));
  }
}

/** Every job SUCCEEDED with a result, one SUCCEEDED event each and none for any other job, and the ledger adds up. */
async function assertExactlyOnce(redisUrl: string, prefix: string, tenant: string, ids: string[]): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    const keys = new Keys(prefix);
    const pipe = redis.pipeline();
    for (const id of ids) pipe.hmget(keys.job(tenant, id), 'state', 'cost', 'resultKind');
    const records = ((await pipe.exec()) ?? []).map(([, r]) => r as [string | null, string | null, string | null]);
    const notDone = ids.filter((_, i) => records[i]![0] !== 'SUCCEEDED' || !records[i]![2]);
    assert.deepEqual(notDone, [], 'every accepted job SUCCEEDED with a result');
    const succeeded = new Map<string, number>();
    for (let from = '-'; ; ) {
      const page = await redis.xrange(keys.events(tenant), from, '+', 'COUNT', 5000);
      for (const [, fields] of page) {
        const [id, state] = fields[1]!.split('|');
        if (state === 'SUCCEEDED') succeeded.set(id!, (succeeded.get(id!) ?? 0) + 1);
      }
      if (page.length < 5000) break;
      from = `(${page.at(-1)![0]}`;
    }
    assert.deepEqual(ids.filter((id) => succeeded.get(id) !== 1).map((id) => `${id}: ${succeeded.get(id) ?? 0}`), [], 'one SUCCEEDED event per job');
    assert.equal(succeeded.size, ids.length, 'no other job of the tenant succeeded');
    const ledgers = await redis.keys(`${keys.ledgerPrefix(tenant)}*`);
    let jobsCounted = 0;
    let reserved = 0;
    let spent = 0;
    for (const l of ledgers) {
      const h = await redis.hgetall(l);
      jobsCounted += Number(h.jobs ?? 0);
      reserved += Number(h.reserved ?? 0);
      spent += Number(h.spent ?? 0);
    }
    const costs = records.reduce((a, r) => a + Number(r[1] ?? 0), 0);
    assert.equal(jobsCounted, ids.length, 'the ledger counts each accepted job once');
    assert.ok(Math.abs(reserved) < 1e-9, `every reservation released (${reserved} left)`);
    assert.ok(Math.abs(spent - costs) <= 1e-9 + 1e-6 * costs, `spent ${spent} is the jobs' cost ${costs}`);
  } finally {
    redis.disconnect();
  }
}

test(`kill -9 the scheduler in the middle of ${JOBS} jobs and start it again: every job completes exactly once`, async () => {
  const prefix = testPrefix('crash-scheduler');
  stops.push(() => dropPrefix(prefix));
  const workers = [await workerProcess('w1'), await workerProcess('w2')];
  const first = await scheduler(REDIS_URL, prefix, workers);
  const requests = jobs(JOBS);
  const ids = new Map<number, string>();
  const client = new JobClient(first.ready.address, 'crash');
  const progress = countSucceeded(client);
  const submitting = submit(client, requests, ids);
  await until('half the jobs are in and some are done', () => ids.size >= JOBS / 2 && progress.count() > 50);
  await first.kill();
  await submitting;
  progress.stop();
  client.close();
  const before = ids.size;
  assert.ok(before < JOBS, `${before} of ${JOBS} admitted when the scheduler was killed`);

  // Started again: the client resubmits everything, the idempotency keys keep it to one job each.
  const second = await scheduler(REDIS_URL, prefix, workers);
  const again = new JobClient(second.ready.address, 'crash');
  stops.push(async () => again.close());
  await submit(again, requests, ids);
  assert.equal(ids.size, JOBS);
  await waitAllFinal(again, [...ids.values()]);
  await assertExactlyOnce(REDIS_URL, prefix, 'crash', [...ids.values()]);
});

test('kill -9 a worker mid-batch: every job completes exactly once', async () => {
  const prefix = testPrefix('crash-worker');
  stops.push(() => dropPrefix(prefix));
  const workers = [await workerProcess('w1'), await workerProcess('w2')];
  const s = await scheduler(REDIS_URL, prefix, workers);
  const client = new JobClient(s.ready.address, 'crash');
  stops.push(async () => client.close());
  const progress = countSucceeded(client);
  const ids = new Map<number, string>();
  const n = Math.min(JOBS, 2000);
  const submitting = submit(client, jobs(n), ids);
  await until('some jobs are done', () => progress.count() > n / 10);
  await workers[0]!.kill();
  await submitting;
  progress.stop();
  assert.equal(ids.size, n);
  await waitAllFinal(client, [...ids.values()]);
  await assertExactlyOnce(REDIS_URL, prefix, 'crash', [...ids.values()]);
});

test('restart Redis (append-only file on) in the middle of a run: every accepted job completes exactly once', async () => {
  const redisDir = mkdtempSync(join(dir, 'redis-'));
  const args = ['--appendfsync', 'always'];
  let redis: RedisServerHandle = await startRedisServer({ appendonly: true, dir: redisDir, args });
  const { port } = redis;
  stops.push(() => redis.stop());
  const prefix = testPrefix('crash-redis');
  stops.push(() => drop(redis.url, prefix));
  const workers = [await workerProcess('w1'), await workerProcess('w2')];
  const s = await scheduler(redis.url, prefix, workers);
  const client = new JobClient(s.ready.address, 'crash');
  stops.push(async () => client.close());
  const progress = countSucceeded(client);
  const ids = new Map<number, string>();
  const n = Math.min(JOBS, 2000);
  const requests = jobs(n);
  const refusals: number[] = [];
  const submitting = submit(client, requests, ids, refusals);
  await until('some jobs are done', () => progress.count() > n / 10);
  await redis.stop();
  // While Redis is away, calls are refused as UNAVAILABLE (worth retrying), not INTERNAL.
  await assert.rejects(client.getUsage(), (err: grpc.ServiceError) => err.code === grpc.status.UNAVAILABLE && /the job store is unavailable/.test(err.details));
  await new Promise((r) => setTimeout(r, 1000));
  redis = await startRedisServer({ appendonly: true, dir: redisDir, port, args });
  await submitting;
  progress.stop();
  assert.deepEqual([...new Set(refusals)].filter((c) => c !== grpc.status.UNAVAILABLE), [], `${refusals.length} refused during the outage`);
  // Whatever the outage refused is submitted again; the idempotency keys keep it to one job each.
  await until('the scheduler answers again', async () => {
    try {
      await client.getUsage();
      return true;
    } catch {
      return false;
    }
  });
  await submit(client, requests, ids);
  assert.equal(ids.size, n);
  await waitAllFinal(client, [...ids.values()]);
  await assertExactlyOnce(redis.url, prefix, 'crash', [...ids.values()]);
});

test('two scheduler replicas on one Redis, one killed with kill -9: the other finishes every job exactly once', async () => {
  const prefix = testPrefix('crash-replica');
  stops.push(() => dropPrefix(prefix));
  const workers = [await workerProcess('w1'), await workerProcess('w2')];
  const [a, b] = [await scheduler(REDIS_URL, prefix, workers), await scheduler(REDIS_URL, prefix, workers)];
  const n = Math.min(JOBS, 2000);
  const requests = jobs(n);
  const ids = new Map<number, string>();
  const toA = new JobClient(a.ready.address, 'crash');
  const toB = new JobClient(b.ready.address, 'crash');
  stops.push(async () => (toA.close(), toB.close()));
  const progress = countSucceeded(toB);
  // Half the clients' work goes to each replica.
  const submitting = Promise.all([submit(toA, requests.filter((_, i) => i % 2 === 0), ids), submit(toB, requests.filter((_, i) => i % 2 === 1), ids)]);
  await until('some jobs are done', () => progress.count() > n / 10 && ids.size > n / 2);
  await a.kill();
  await submitting;
  progress.stop();
  // What A never answered goes to B.
  await submit(toB, requests.filter((r) => !ids.has(Number(r.requestId))), ids);
  assert.equal(ids.size, n);
  await waitAllFinal(toB, [...ids.values()]);
  await assertExactlyOnce(REDIS_URL, prefix, 'crash', [...ids.values()]);
});
