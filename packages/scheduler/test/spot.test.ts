import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTokens, type JobEvent__Output } from '@nightshift/proto';
import { Redis } from 'ioredis';
import { ManualClock } from '../src/index.js';
import { QueueSet } from '../src/queueing/index.js';
import { BatchFormer } from '../src/batching/index.js';
import { REDIS_URL } from './helpers/redis.js';
import { recordTenant, startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { rng } from './helpers/workload.js';

const systems: TestSystem[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ns-spot-'));
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

const utc = (s: string) => Date.parse(s);
const rand = rng(11);
/** Attention on the TypeScript kernels: slow enough (about half a second a job at 4,000 tokens, four times that at 8,000) to be caught mid-batch. */
const slowJob = (extra: Record<string, unknown> = {}, length = 4_000) => ({
  op: 'attention',
  tokens: packTokens(Uint32Array.from({ length }, () => Math.floor(rand() * 100_000))),
  ...extra,
});
const day = { completionWindowSeconds: 86_400 };
// A spot window open all day, every day, at a tenth of the on-demand price; every job with a deadline is heavy.
const alwaysSpot = {
  calendar: [{ name: 'spot', start: '0 0 * * *', durationMinutes: 1440, timezone: 'UTC', spot: true }],
  pricing: { classes: { cpu: { 'on-demand': 10, spot: 1 } } },
  deferral: { heavyPrice: 0, marginMinutes: 1 },
  jobs: { backoffMs: 100 },
  batching: { maxBatchJobs: 2 },
};
const pools = (spot: number[]) => (i: number) => ({ pool: spot.includes(i) ? 'spot' : 'on-demand', maxBatchesInFlight: 1 });
const drain = (seconds: number) => {
  const file = join(dir, `drain-${seconds}.yaml`);
  writeFileSync(file, `drainSeconds: ${seconds}\n`);
  return ['--config', file];
};

/** Resolves with the first job seen RUNNING on each of `workers`. */
function runningOn(events: AsyncIterable<JobEvent__Output> & { cancel(): void }, workers: string[]): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  return (async () => {
    for await (const e of events) {
      if (e.state === 'JOB_STATE_RUNNING' && workers.includes(e.workerId) && !seen.has(e.workerId)) seen.set(e.workerId, e.jobId);
      if (seen.size === workers.length) break;
    }
    events.cancel();
    return seen;
  })();
}

test('spot work runs on spot workers only; one killed mid-batch hands its batch to another spot worker, no attempt spent', async () => {
  const sys = await startSystem('spot-kill', { workers: 3, workerEnv: { NIGHTSHIFT_KERNELS: 'ts' }, workerEntry: pools([1, 2]), config: { ...alwaysSpot, dispatch: { workerBackoffMs: 60_000 } } });
  systems.push(sys);
  const c = sys.client();
  const interactive = await c.submit(slowJob());
  assert.equal(interactive.state, 'JOB_STATE_QUEUED', 'no deadline: runs now, on demand');
  const heavy = await Promise.all(Array.from({ length: 4 }, () => c.submit(slowJob(day))));
  for (const j of heavy) {
    assert.equal(j.plannedWindow, 'spot');
    assert.match(j.placement, /^deferred to spot/);
  }
  const ids = heavy.map((j) => j.id);
  const victim = (await runningOn(c.watchJobs(ids), ['w2'])).get('w2')!;
  await sys.workers[1]!.kill();

  const events = await watchUntilFinal(c, [...ids, interactive.id]);
  for (const id of ids) {
    assert.equal(events.get(id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
    assert.ok(events.get(id)!.every((e) => !e.workerId || e.workerId !== 'w1'), 'spot work never ran on the on-demand worker');
  }
  assert.equal((await c.getJob(interactive.id)).workerId, 'w1', 'interactive work never runs on spot');
  const v = await c.getJob(victim, true);
  assert.equal(v.workerId, 'w3', 'the preempted batch ran again on the other spot worker');
  assert.equal(v.preemptions, 1);
  assert.equal(v.attempts, 1, 'the preempted attempt was given back');
  // Its share of its batch's seconds at $1 an hour, not $10: well below its own kernel seconds at the on-demand price.
  assert.ok(v.cost > 0 && v.cost < (v.kernelSeconds * 10) / 3600 / 2, `billed at the spot price (${v.cost} for ${v.kernelSeconds} s)`);
});

test('SIGTERM on spot workers: within its grace a batch finishes; past it, the batch is handed back and falls back to on-demand', async () => {
  const sys = await startSystem('spot-term', {
    workers: 3,
    workerEnv: { NIGHTSHIFT_KERNELS: 'ts' },
    workerArgs: (i) => (i === 1 ? drain(60) : i === 2 ? drain(0.2) : []),
    workerEntry: pools([1, 2]),
    config: { ...alwaysSpot, deferral: { ...alwaysSpot.deferral, maxPreemptions: 1 } },
  });
  systems.push(sys);
  const c = sys.client();
  // Every event of the tenant, from before the first submit.
  const tenant = await recordTenant(c);
  // 8,000 tokens: a batch, even of one job, must outlast the wait below plus w3's grace, on a slow minute too.
  const heavy = await Promise.all(Array.from({ length: 4 }, () => c.submit(slowJob(day, 8_000))));
  const ids = heavy.map((j) => j.id);
  const running = await runningOn(c.watchJobs(ids), ['w2', 'w3']);
  // RUNNING is recorded just before the batch is sent: give it time to arrive (a batch takes seconds).
  await new Promise((r) => setTimeout(r, 500));
  // Both spot workers are told to stop at once: w2 has a minute of grace, w3 a fifth of a second.
  const [codeW2, codeW3] = await Promise.all([sys.workers[1]!.stop(), sys.workers[2]!.stop()]);
  assert.deepEqual([codeW2, codeW3], [0, 0], 'both exit cleanly');

  const events = await watchUntilFinal(c, ids);
  for (const id of ids) assert.equal(events.get(id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  const graced = await c.getJob(running.get('w2')!);
  assert.equal(graced.workerId, 'w2', 'finished within its grace, where it ran');
  assert.equal(graced.preemptions, 0);
  const handed = await c.getJob(running.get('w3')!);
  assert.equal(handed.workerId, 'w1', 'handed back, and run on demand');
  assert.equal(handed.preemptions, 1);
  assert.equal(handed.attempts, 1);
  assert.match(handed.placement, /fell back to on-demand after 1 preemption/);
  tenant.stop();
  const back = tenant.events.find((e) => e.jobId === handed.id && e.state === 'JOB_STATE_QUEUED' && e.error);
  assert.match(back?.error ?? '', /^preempted on w3: ABORTED: worker w3 is stopping: batch handed back unfinished$/);
});

test('spot windows on the clock: spot workers wait for their window; work still waiting when it closes, or short of time, falls back to on-demand', async () => {
  const clock = new ManualClock(utc('2026-11-23T11:50:00Z'));
  const calendar = [{ name: 'spot', start: '0 12 * * *', durationMinutes: 60, timezone: 'UTC', spot: true }];
  // w2 is a spot worker: idle until noon, then it takes the work deferred to the window.
  const a = await startSystem('spot-window', { workers: 2, workerEntry: pools([1]), clock, config: { ...alwaysSpot, calendar } });
  systems.push(a);
  const c = a.client();
  const embed = (n: number, extra: Record<string, unknown> = {}) => ({ op: 'embed', tokens: packTokens(Uint32Array.from({ length: 300 }, (_, i) => i * n + 1)), ...extra });
  const [now, later] = await Promise.all([c.submit(embed(1)), c.submit(embed(2, day))]);
  assert.equal(later.state, 'JOB_STATE_DEFERRED');
  assert.equal(later.plannedWindow, 'spot');
  assert.equal((await watchUntilFinal(c, [now.id])).get(now.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  assert.equal((await c.getJob(now.id)).workerId, 'w1');
  clock.advance(15 * 60_000); // 12:05: the window is open
  await a.scheduler.tickWindows();
  assert.equal((await watchUntilFinal(c, [later.id])).get(later.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  assert.equal((await c.getJob(later.id)).workerId, 'w2', 'run on the spot worker once its window opened');

  // No spot worker at all, though the window says it brings four: the work waits in the spot queue.
  const clock2 = new ManualClock(utc('2026-11-23T12:10:00Z'));
  const b = await startSystem('spot-fallback', {
    workers: 1,
    clock: clock2,
    config: { ...alwaysSpot, calendar: [{ ...calendar[0]!, workers: 4 }] },
  });
  systems.push(b);
  const c2 = b.client();
  const patient = await c2.submit(embed(3, day));
  const hurried = await c2.submit(embed(4, { deadline: { seconds: String(Math.floor((clock2.now() + 10 * 60_000) / 1000)), nanos: 0 } }));
  for (const j of [patient, hurried]) assert.equal(j.plannedWindow, 'spot');
  await b.scheduler.tickWindows();
  assert.deepEqual([(await c2.getJob(patient.id)).state, (await c2.getJob(hurried.id)).state], ['JOB_STATE_QUEUED', 'JOB_STATE_QUEUED'], 'released, waiting for spot');
  // 12:19:30: the hurried job's deadline (12:20) no longer allows waiting.
  clock2.advance(9.5 * 60_000);
  await b.scheduler.tickWindows();
  assert.equal((await watchUntilFinal(c2, [hurried.id])).get(hurried.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  const h = await c2.getJob(hurried.id);
  assert.equal(h.workerId, 'w1');
  assert.match(h.placement, /fell back to on-demand: its deadline cannot wait for spot capacity/);
  assert.equal((await c2.getJob(patient.id)).state, 'JOB_STATE_QUEUED', 'the patient one still waits');
  // A batch formed for spot just before the close and never taken (formed here by the scheduler's own BatchFormer),
  // next to a job still pending in the spot queue.
  const third = await c2.submit(embed(5, day));
  await b.scheduler.tickWindows();
  const redis = new Redis(REDIS_URL);
  const queues = new QueueSet(redis, b.prefix, 1000);
  const spotQueue = (await redis.smembers(`${b.prefix}:queues`)).find((q) => q.endsWith('@spot'))!;
  const former = new BatchFormer(redis, queues, spotQueue, { maxBatchJobs: 1, maxPaddedTokens: 1e9, maxQueueDelayMs: 0, agingMsPerPriority: 1000 });
  // The first call learns the queue's sets; the second forms.
  await former.formOne({ idle: true, maxPaddedTokens: 1e9 });
  assert.equal((await former.formOne({ idle: true, maxPaddedTokens: 1e9 })).formed, true);
  assert.equal(await queues.get(spotQueue).getWaitingCount(), 1, 'one batch waits for a spot worker');
  // 13:01: the window has closed.
  clock2.advance(41.5 * 60_000);
  await b.scheduler.tickWindows();
  const late = await watchUntilFinal(c2, [patient.id, third.id]);
  for (const j of [patient, third]) {
    assert.equal(late.get(j.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
    const r = await c2.getJob(j.id);
    assert.equal(r.workerId, 'w1');
    assert.match(r.placement, /fell back to on-demand: no spot window is open/);
  }
  assert.equal(await queues.get(spotQueue).getWaitingCount(), 0);
  await queues.close();
  await redis.quit();
});
