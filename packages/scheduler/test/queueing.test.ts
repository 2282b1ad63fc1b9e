import * as grpc from '@grpc/grpc-js';
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadNightshift, packTokens, seededRandom, type Job__Output } from '@nightshift/proto';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { REDIS_URL } from './helpers/redis.js';

const systems: TestSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

const tokens = (n: number, seed: number) => {
  const rand = seededRandom(seed);
  return packTokens(Uint32Array.from({ length: n }, () => Math.floor(rand() * 100_000)));
};

test('a batch formed twice, with its jobs also left pending, runs each job once', async () => {
  // No worker: the jobs wait in their pending set.
  const sys = await startSystem('twice', { workers: 0 });
  systems.push(sys);
  const c = sys.client();
  const jobs = await Promise.all(Array.from({ length: 6 }, (_, i) => c.submit({ op: 'embed', tokens: tokens(100 + i, i) })));
  const { bucket } = jobs[0]!;
  assert.ok(jobs.every((j) => j.bucket === bucket), 'one bucket');
  // What a crash between forming a batch and taking its jobs out of the pending set leaves,
  // twice over (two replicas forming from the same heads): two batches, and the jobs still pending.
  const redis = new Redis(REDIS_URL);
  const [pendingKey, ...others] = await redis.keys(`${sys.prefix}:*:ns:pending:*`);
  assert.equal(others.length, 0, 'one pending set');
  const queue = pendingKey!.slice(sys.prefix.length + 1, pendingKey!.indexOf(':ns:pending:'));
  const q = new Queue(queue, { connection: { url: REDIS_URL }, prefix: sys.prefix });
  try {
    const entries = await redis.zrange(pendingKey!, 0, -1);
    assert.equal(entries.length, 6);
    const spec = (await redis.hvals(`${sys.prefix}:${queue}:ns:sets`)).map((v) => JSON.parse(v) as { spec: unknown })[0]!.spec;
    for (const batchId of ['dup-1', 'dup-2']) await q.add('batch', { batchId, bucket, spec, entries }, { jobId: batchId, removeOnComplete: true });
  } finally {
    await q.close();
    redis.disconnect();
  }
  await sys.addReplica();
  const events = await watchUntilFinal(c, jobs.map((j) => j.id), 30_000);
  for (const j of jobs) {
    const states = events.get(j.id)!.map((e) => e.state.replace('JOB_STATE_', ''));
    assert.deepEqual(states.slice(-2), ['RUNNING', 'SUCCEEDED'], `job ${j.id}: ${states.join(' ')}`);
    assert.equal(states.filter((s) => s === 'RUNNING').length, 1, `job ${j.id} ran once: ${states.join(' ')}`);
    const done = await c.getJob(j.id);
    assert.equal(done.attempts, 1);
    assert.ok(done.result?.vector?.length, 'its result is recorded');
  }
});

test('changing bucket boundaries never strands queued jobs', async () => {
  // Admitted under fixed geometric buckets, with no worker to run them …
  const sys = await startSystem('rebucket', { workers: 0, config: { batching: { buckets: { mode: 'geometric', ratio: 2 } } } });
  systems.push(sys);
  const c = sys.client();
  const lengths = [30, 90, 200, 450, 700, 1500, 3000];
  const before = await Promise.all(lengths.map((n, i) => c.submit({ op: 'minhash', tokens: tokens(n, i) })));
  // … then run by a replica whose buckets are adaptive, refitted after every job.
  const b = await sys.addReplica({ batching: { buckets: { mode: 'adaptive', count: 3, every: 1, minGain: 0 } } });
  const { JobClient } = await import('../src/index.js');
  const cb = new JobClient(b.address, 'acme');
  try {
    const afterwards: Job__Output[] = [];
    for (const [i, n] of [...lengths, ...lengths].entries()) afterwards.push(await cb.submit({ op: 'minhash', tokens: tokens(n, 100 + i) }));
    const old = new Set(before.map((j) => j.bucket));
    assert.ok(afterwards.some((j) => !old.has(j.bucket)), `new bounds in use: ${[...new Set(afterwards.map((j) => j.bucket))].join(' ')} vs ${[...old].join(' ')}`);
    const all = [...before, ...afterwards];
    const events = await watchUntilFinal(c, all.map((j) => j.id), 30_000);
    for (const j of all) assert.equal(events.get(j.id)!.at(-1)?.state, 'JOB_STATE_SUCCEEDED', `job of ${j.tokenCount} tokens in ${j.bucket}`);
  } finally {
    cb.close();
  }
});

test("batches never exceed the padded tokens a worker advertises, and fill up to them", async () => {
  const sys = await startSystem('advertised', {
    workers: 1,
    workerEntry: { maxPaddedTokens: 2_000 },
    // A long delay: batches close by being full, not by waiting.
    config: { batching: { maxQueueDelayMs: 2_000 } },
  });
  systems.push(sys);
  const c = sys.client();
  const ids: string[] = [];
  await c.submitMany(
    Array.from({ length: 40 }, (_, i) => ({ requestId: String(i), job: { op: 'embed', tokens: tokens(300, i) } })),
    (r) => ids.push(r.job!.id),
  );
  await watchUntilFinal(c, ids, 30_000);
  const jobs = await Promise.all(ids.map((id) => c.getJob(id, true)));
  const batches = new Map<string, Job__Output[]>();
  for (const j of jobs) batches.set(j.batchId, [...(batches.get(j.batchId) ?? []), j]);
  const padded = [...batches.values()].map((b) => b.length * Math.max(...b.map((j) => j.tokenCount)));
  assert.ok(padded.every((p) => p <= 2_000), `padded tokens per batch: ${padded.join(' ')}`);
  assert.equal(Math.max(...[...batches.values()].map((b) => b.length)), 6, 'full batches hold 6 jobs of 300 tokens');
});

test('a batch goes only to a worker that fits it: one that takes its padded tokens and runs its op', async () => {
  // Slow kernels and one batch at a time per worker: jobs pile up, so full batches (16 × 300 tokens) form.
  const sys = await startSystem('routing', {
    workers: 2,
    workerEnv: { NIGHTSHIFT_KERNELS: 'ts' },
    workerEntry: (i) => (i === 0 ? { maxPaddedTokens: 2_000, maxBatchesInFlight: 1 } : { maxBatchesInFlight: 1 }),
    config: { batching: { maxBatchJobs: 16, maxQueueDelayMs: 50 }, registry: { syncMs: 100 } },
  });
  systems.push(sys);
  // A third worker registers at w2's address, saying it runs minhash only.
  const Registry = loadNightshift().grpcObject.nightshift.v1.RegistryService;
  const raw = new Registry(sys.scheduler.address, grpc.credentials.createInsecure());
  await new Promise<void>((resolve, reject) =>
    raw.register(
      { worker: { id: 'minhash-only', address: sys.workers[1]!.ready.address, workerClass: 'cpu', pool: 'on-demand', ops: ['minhash'], backend: 'native', maxPaddedTokens: '1000000', maxBatchesInFlight: 2 } },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  raw.close();
  while (sys.scheduler.fleet().length < 3) await new Promise((r) => setTimeout(r, 50));
  const c = sys.client();
  const ids: string[] = [];
  await c.submitMany(
    Array.from({ length: 240 }, (_, i) => ({ requestId: String(i), job: { op: i % 2 ? 'embed' : 'minhash', tokens: tokens(300, i) } })),
    (r) => ids.push(r.job!.id),
  );
  await watchUntilFinal(c, ids, 30_000);
  const jobs = await Promise.all(ids.map((id) => c.getJob(id, true)));
  assert.ok(jobs.every((j) => j.state === 'JOB_STATE_SUCCEEDED'));
  const batches = new Map<string, Job__Output[]>();
  for (const j of jobs) batches.set(j.batchId, [...(batches.get(j.batchId) ?? []), j]);
  const onW1 = [...batches.values()].filter((b) => b[0]!.workerId === 'w1');
  const padded = (b: Job__Output[]) => b.length * Math.max(...b.map((j) => j.tokenCount));
  assert.ok(onW1.every((b) => padded(b) <= 2_000), `w1's batches: ${onW1.map(padded).join(' ')}`);
  assert.ok([...batches.values()].some((b) => padded(b) > 2_000), 'larger batches went elsewhere');
  assert.ok(jobs.every((j) => j.op === 'minhash' || j.workerId !== 'minhash-only'), 'no embed batch on the minhash-only worker');
});
