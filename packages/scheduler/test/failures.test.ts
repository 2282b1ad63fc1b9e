import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { packTokens, type JobEvent__Output } from '@nightshift/proto';
import { recordTenant, startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { REDIS_URL } from './helpers/redis.js';
import { mixedJobs, rng } from './helpers/workload.js';

const systems: TestSystem[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ns-failures-'));
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test('a worker killed mid-batch loses no job: its batch runs again on the other worker', async () => {
  // The TypeScript kernels: slow enough that a batch is reliably caught mid-way.
  const sys = await startSystem('kill', { workers: 2, workerEnv: { NIGHTSHIFT_KERNELS: 'ts' }, config: { dispatch: { workerBackoffMs: 60_000 }, jobs: { backoffMs: 100 } } });
  systems.push(sys);
  const c = sys.client();
  // Attention on 3,000 tokens takes the TypeScript kernel about half a second: long enough to be caught mid-batch.
  const rand = rng(5);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const tokens = Uint32Array.from({ length: 3_000 }, () => Math.floor(rand() * 100_000));
    ids.push((await c.submit({ op: 'attention', tokens: packTokens(tokens) })).id);
  }
  const watch = c.watchJobs(ids);
  const victimJob = await new Promise<string>((resolve) => {
    watch.on('data', (e: JobEvent__Output) => {
      if (e.state === 'JOB_STATE_RUNNING' && e.workerId === 'w1') resolve(e.jobId);
    });
  });
  watch.on('error', () => undefined);
  watch.cancel();
  await sys.workers[0]!.kill();

  const events = await watchUntilFinal(c, ids);
  for (const id of ids) assert.equal(events.get(id)!.at(-1)?.state, 'JOB_STATE_SUCCEEDED', `job ${id}`);
  const victim = await c.getJob(victimJob, true);
  assert.equal(victim.state, 'JOB_STATE_SUCCEEDED');
  assert.equal(victim.workerId, 'w2', 'the interrupted job finished on the surviving worker');
  assert.ok(victim.attempts >= 2, `the interrupted attempt counts (attempts ${victim.attempts})`);
});

test('a job that fails on the worker is retried with backoff, then FAILED with the worker message', async () => {
  const config = join(dir, 'worker.yaml');
  writeFileSync(config, 'limits:\n  maxSequenceLength:\n    attention: 100\n');
  const sys = await startSystem('retry', { workers: 1, workerArgs: ['--config', config], config: { jobs: { backoffMs: 200 } } });
  systems.push(sys);
  const c = sys.client();
  // Watch the tenant before submitting, to see the job's very first state.
  const tenant = await recordTenant(c);
  const job = await c.submit({ op: 'attention', tokens: packTokens(new Uint32Array(200)), maxAttempts: 3 });
  const fine = await c.submit({ op: 'attention', tokens: packTokens(new Uint32Array(100)) });
  await watchUntilFinal(c, [job.id, fine.id]);
  tenant.stop();
  const evs = tenant.events.filter((e) => e.jobId === job.id);
  const states = evs.map((e) => e.state.replace('JOB_STATE_', ''));
  assert.deepEqual(states, ['QUEUED', 'RUNNING', 'QUEUED', 'RUNNING', 'QUEUED', 'RUNNING', 'FAILED']);
  // Exponential backoff: the second retry waits about twice as long as the first.
  const at = (i: number) => Number(evs[i]!.at!.seconds) * 1000 + evs[i]!.at!.nanos / 1e6;
  const wait1 = at(3) - at(2);
  const wait2 = at(5) - at(4);
  assert.ok(wait1 >= 150 && wait2 >= 350, `backoff waits ${wait1} ms then ${wait2} ms`);
  const failed = await c.getJob(job.id);
  assert.equal(failed.state, 'JOB_STATE_FAILED');
  assert.equal(failed.attempts, 3);
  assert.equal(failed.error, "sequence of 200 tokens exceeds this worker's attention limit of 100");
  assert.equal((await c.getJob(fine.id)).state, 'JOB_STATE_SUCCEEDED', 'its batch-mate was not harmed');
});

test('a queued job can be cancelled: it leaves its queue, never runs, and cannot be cancelled twice', async () => {
  const sys = await startSystem('cancel', { workers: 0 });
  systems.push(sys);
  const c = sys.client();
  const [p, q] = mixedJobs(2, 3, 200);
  const job = await c.submit(p!.spec);
  const other = await c.submit(q!.spec);
  const cancelled = await c.cancelJob(job.id);
  assert.equal(cancelled.state, 'JOB_STATE_CANCELLED');
  assert.equal(cancelled.error, 'cancelled by the tenant');
  assert.equal((await c.getJob(job.id)).state, 'JOB_STATE_CANCELLED');
  // What waits for a batch: every pending set of the run's queues.
  const redis = new Redis(REDIS_URL);
  try {
    const waiting: string[] = [];
    for (const key of await redis.keys(`${sys.prefix}:*:ns:pending:*`)) waiting.push(...(await redis.zrange(key, 0, -1)));
    assert.ok(!waiting.some((e) => e.includes(job.id)), 'the cancelled job left its queue');
    assert.equal(waiting.filter((e) => e.includes(other.id)).length, 1, 'the other job is still queued');
  } finally {
    redis.disconnect();
  }
  await assert.rejects(c.cancelJob(job.id), /FAILED_PRECONDITION: job .* is CANCELLED; only DEFERRED, QUEUED or RUNNING jobs can be cancelled/);
  const listed = await c.listJobs({ states: ['JOB_STATE_CANCELLED'] });
  assert.deepEqual(listed.jobs.map((j) => j.id), [job.id]);
});

test('a running job can be cancelled: it ends CANCELLED and its result is discarded', async () => {
  const sys = await startSystem('cancel-running', { workers: 1, workerEnv: { NIGHTSHIFT_KERNELS: 'ts' } });
  systems.push(sys);
  const c = sys.client();
  const rand = rng(9);
  const tokens = Uint32Array.from({ length: 4_000 }, () => Math.floor(rand() * 100_000));
  const job = await c.submit({ op: 'attention', tokens: packTokens(tokens) });
  const marker = await c.submit({ op: 'embed', tokens: packTokens([1, 2, 3]) }); // runs after it on the one worker
  const watch = c.watchJobs([job.id]);
  await new Promise<void>((resolve) => watch.on('data', (e: JobEvent__Output) => e.state === 'JOB_STATE_RUNNING' && resolve()));
  watch.on('error', () => undefined);
  watch.cancel();
  const cancelled = await c.cancelJob(job.id);
  assert.equal(cancelled.state, 'JOB_STATE_CANCELLED');
  await watchUntilFinal(c, [marker.id]);
  // By now the attention batch has come back and been settled.
  const after = await c.getJob(job.id);
  assert.equal(after.state, 'JOB_STATE_CANCELLED');
  assert.equal(after.result, null);
  assert.equal((await c.getJob(marker.id)).state, 'JOB_STATE_SUCCEEDED');
});
