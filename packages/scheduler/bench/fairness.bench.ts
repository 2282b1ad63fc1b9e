// pnpm bench:fairness — fair sharing on real workers (two worker processes, an in-process
// scheduler, the real Redis under a prefix of its own), side by side in one run:
//  1. a noisy neighbour: one tenant's backlog of 3,000 attention jobs, another's single jobs, one
//     every 200 ms; the single jobs' waits with fair sharing off and on;
//  2. the share error: equal backlogs weighted 1:1 and 3:1, each tenant's worker-seconds (from its
//     jobs' records) until the first backlog ran out, against its target;
//  3. the cost on one tenant alone: jobs/s of the same backlog with fair sharing off and on,
//     alternated, the median of each (after a round to warm up).
// Prints tables; BENCHMARKS.md records them.
import { availableParallelism, cpus } from 'node:os';
import { backlogs, finished, ms, noisyNeighbour, submit } from '../test/helpers/fair-workload.js';
import { startSystem } from '../test/helpers/system.js';
import { table } from './table.js';

const SINGLES = Number(process.env.BENCH_SINGLES ?? 20);
/** One single job every this many ms, each on its own: all of them while the backlog is there, with fair sharing off too. */
const EVERY_MS = 200;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const say = (s: string) => process.stdout.write(`${s}\n`);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))]!;
const median = (xs: number[]) => quantile(xs, 0.5);

say(`bench:fairness — ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores; Node ${process.version}; 2 worker processes, 2 batches each at once`);

// 1. Noisy neighbour.
const noisy: string[][] = [];
for (const on of [false, true]) {
  const r = await noisyNeighbour(on, SINGLES, EVERY_MS);
  noisy.push([on ? 'on' : 'off', median(r.waits).toFixed(0), quantile(r.waits, 0.99).toFixed(0), Math.max(...r.waits).toFixed(0), `${(100 * r.backlogLeft).toFixed(0)}%`]);
}
say(`\n1. Noisy neighbour: ${SINGLES} single attention jobs (1,600 tokens), one every ${EVERY_MS} ms, after another tenant queued 3,000\n`);
say(table(['fair sharing', 'wait p50 ms', 'wait p99 ms', 'max ms', 'backlog left at the end'], noisy));

// 2. Share error.
const shares: string[][] = [];
for (const [name, weights] of [['1:1', { a: 1, b: 1 }], ['3:1', { a: 3, b: 1 }]] as const) {
  const sys = await startSystem(`bench-fair-${name.replace(':', '-')}`, { workers: 2, config: { batching: { maxBatchJobs: 16 }, fairShare: { halfLifeSeconds: 86_400, tenants: { a: { weight: weights.a } } } } });
  try {
    const got = await backlogs(sys, ['a', 'b'].map((tenant) => ({ tenant, jobs: 600, length: 2500 })));
    const total = weights.a + weights.b;
    for (const t of ['a', 'b'] as const) {
      const g = got.get(t)!;
      const target = weights[t] / total;
      shares.push([`${name}, tenant ${t}`, `${(100 * target).toFixed(1)}%`, `${(100 * g.share).toFixed(1)}%`, `${(100 * Math.abs(g.share / target - 1)).toFixed(1)}%`, g.seconds.toFixed(1), String(g.jobs)]);
    }
  } finally {
    await sys.stop();
  }
}
say("\n2. Shares: two tenants, 600 attention jobs (2,500 tokens) each, batches of at most 16; until the first tenant's last batch started\n");
say(table(['weights', 'target', 'got', 'error (of target)', 'worker-seconds', 'jobs'], shares));

// 3. One tenant alone: throughput with fair sharing off and on, alternated.
const rate: Record<'off' | 'on', number[]> = { off: [], on: [] };
// Round 0 warms up (the cost model learns, the code is compiled): not counted.
for (let round = 0; round <= ROUNDS; round++) {
  for (const on of [false, true]) {
    const sys = await startSystem(`bench-fair-alone-${on ? 'on' : 'off'}`, { workers: 2, config: { fairShare: { enabled: on } } });
    try {
      const c = sys.client('alone');
      const t0 = Date.now();
      const jobs = await finished(c, await submit(c, { tenant: 'alone', jobs: 3000, length: 1000 }, 60 + round));
      if (round > 0) rate[on ? 'on' : 'off'].push(jobs.length / ((Math.max(...jobs.map((j) => ms(j.finishedAt))) - t0) / 1000));
    } finally {
      await sys.stop();
    }
  }
}
say(`\n3. One tenant alone: 3,000 attention jobs (1,000 tokens), submitted at once; jobs/s, median of ${ROUNDS} alternated runs after one of each to warm up\n`);
say(table(['fair sharing', 'jobs/s (median)', 'runs', '÷ off'], (['off', 'on'] as const).map((k) => [k, median(rate[k]).toFixed(0), rate[k].map((r) => r.toFixed(0)).join(', '), (median(rate[k]) / median(rate.off)).toFixed(3)])));
process.exit(0);
