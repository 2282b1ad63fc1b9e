import assert from 'node:assert/strict';
import { packTokens, type Job__Output } from '@nightshift/proto';
import type { JobClient } from '../../src/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './system.js';

// Backlogs of attention jobs by tenant, and the worker-seconds each got, from the jobs' own records:
// what the fair-sharing tests and bench:fairness measure.

export interface Backlog {
  tenant: string;
  jobs: number;
  /** Tokens a job (give or take 5%). */
  length: number;
}

export const ms = (t: Job__Output['finishedAt']) => (t ? Number(t.seconds) * 1000 + t.nanos / 1e6 : NaN);
/** The part of a job's run inside [from, to]: its worker-seconds count in proportion. */
export const inside = (j: Job__Output, from: number, to: number) => {
  const start = ms(j.startedAt);
  const end = ms(j.finishedAt);
  return Math.max(0, Math.min(end, to) - Math.max(start, from)) / Math.max(1e-3, end - start);
};
export const seconds = (jobs: Job__Output[], from: number, to: number) => jobs.reduce((a, j) => a + j.kernelSeconds * inside(j, from, to), 0);

export function doc(length: number, seed: number, i: number): Buffer {
  const n = Math.round(length * (0.95 + (0.1 * ((i * 37) % 100)) / 100));
  return packTokens(Uint32Array.from({ length: n }, (_, k) => (seed * 1_000_003 + i * 7919 + k * 31) % 100_000));
}

/** Submits a tenant's backlog of attention jobs; resolves with their ids once all are queued. */
export async function submit(c: JobClient, b: Backlog, seed: number): Promise<string[]> {
  const ids: string[] = [];
  await c.submitMany(Array.from({ length: b.jobs }, (_, i) => ({ requestId: String(i), job: { op: 'attention', tokens: doc(b.length, seed, i) } })), (r) => ids.push(r.job!.id));
  return ids;
}

/** Waits for the jobs, then returns every succeeded job of the tenant. */
export async function finished(c: JobClient, ids: string[]): Promise<Job__Output[]> {
  await watchUntilFinal(c, ids);
  const jobs = await c.listAllJobs(['JOB_STATE_SUCCEEDED']);
  assert.equal(jobs.length, ids.length, 'every job succeeded');
  return jobs;
}

/**
 * Every tenant's backlog submitted at once; then, up to the moment the first tenant's last batch
 * started (so while all had work waiting), each tenant's share of the worker-seconds, and its jobs done.
 */
export async function backlogs(sys: TestSystem, list: Backlog[], seed = 0): Promise<Map<string, { share: number; seconds: number; jobs: number }>> {
  const runs = await Promise.all(
    list.map(async (b, t) => {
      const c = sys.client(b.tenant);
      return { tenant: b.tenant, jobs: await finished(c, await submit(c, b, seed + t)) };
    }),
  );
  // Once a tenant's last batch started, it had nothing waiting: the window ends there.
  const end = Math.min(...runs.map((r) => Math.max(...r.jobs.map((j) => ms(j.startedAt)))));
  const used = runs.map((r) => seconds(r.jobs, 0, end));
  const all = used.reduce((a, s) => a + s, 0);
  return new Map(runs.map((r, i) => [r.tenant, { share: used[i]! / all, seconds: used[i]!, jobs: r.jobs.filter((j) => ms(j.finishedAt) <= end).length }]));
}

/**
 * A noisy neighbour: `bulk` streams a backlog of 3,000 attention jobs, then `interactive` submits
 * `singles` jobs one at a time (each once the one before finished; or, with `everyMs`, one every
 * so often, each on its own); the waits of those (ms), and how much of the backlog was still
 * waiting when the last of them finished.
 */
export async function noisyNeighbour(fairShare: boolean, singles: number, everyMs = 0): Promise<{ waits: number[]; backlogLeft: number }> {
  const sys = await startSystem(`fair-noisy-${fairShare ? 'on' : 'off'}`, { workers: 2, config: { fairShare: { enabled: fairShare } } });
  try {
    const bulk = sys.client('bulk');
    const ids: string[] = [];
    await bulk.submitMany(Array.from({ length: 3000 }, (_, i) => ({ requestId: String(i), job: { op: 'attention', tokens: doc(1600, 50, i) } })), (r) => ids.push(r.job!.id));
    const interactive = sys.client('interactive');
    const single = async (i: number) => {
      const started = performance.now();
      const job = await interactive.submit({ op: 'attention', tokens: doc(1600, 51, i) });
      await watchUntilFinal(interactive, [job.id]);
      return performance.now() - started;
    };
    const waits: number[] = [];
    if (everyMs > 0) waits.push(...(await Promise.all(Array.from({ length: singles }, (_, i) => new Promise((r) => setTimeout(r, i * everyMs)).then(() => single(i))))));
    else for (let i = 0; i < singles; i++) waits.push(await single(i));
    const sample = await Promise.all(ids.slice(-200).map((id) => bulk.getJob(id, true)));
    return { waits, backlogLeft: sample.filter((j) => j.state === 'JOB_STATE_QUEUED').length / sample.length };
  } finally {
    await sys.stop();
  }
}

/** The most batches out at once among these jobs' batches (each from its jobs' start to finish). */
export function peakBatches(jobs: Job__Output[]): number {
  const batches = new Map<string, { start: number; end: number }>();
  for (const j of jobs) batches.set(j.batchId, { start: ms(j.startedAt), end: ms(j.finishedAt) });
  const edges = [...batches.values()].flatMap((b) => [[b.start, 1], [b.end, -1]] as const).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let out = 0;
  let peak = 0;
  for (const [, d] of edges) peak = Math.max(peak, (out += d));
  return peak;
}
