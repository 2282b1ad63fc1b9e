// pnpm bench:cost — a 7-day trace through nightshift's deferral, billing and spot policy code on a
// simulated clock (see src/planning/cost-simulation.ts): what deferring heavy work saves against
// running everything now on demand, whether deadlines hold, and what interactive jobs wait.
import { cpus } from 'node:os';
import { simulateCost, type CostResult, type CostSimulation } from '../src/planning/index.js';
import { table } from './table.js';

const trace: Omit<CostSimulation, 'defer'> = {
  start: Date.parse('2026-11-23T00:00:00Z'),
  days: Number(process.env.BENCH_DAYS ?? 7),
  jobsPerDay: 2000,
  heavyShare: 0.3,
  deadlineHours: 24,
  onDemandWorkers: 48,
  spotWorkers: 32,
  calendar: [
    { name: 'off-peak', start: '0 22 * * *', durationMinutes: 480, timezone: 'UTC', spot: false },
    { name: 'spot', start: '0 2 * * *', durationMinutes: 480, timezone: 'UTC', spot: true },
  ],
  prices: { 'on-demand': 4, 'off-peak': 2.4, spot: 1.4 },
  preemptionPerHour: 0.05,
  maxPreemptions: 2,
  heavyPrice: 0.5,
  marginMs: 3_600_000,
  seed: Number(process.env.BENCH_SEED ?? 7),
};

const say = (s = '') => process.stdout.write(`${s}\n`);
const usd = (v: number) => `$${v.toFixed(0)}`;
const pct = (v: number) => `${(100 * v).toFixed(1)}%`;

say(`bench:cost — ${trace.days} days, about ${trace.jobsPerDay * 0.6} jobs a day (daily rhythm), ${pct(trace.heavyShare)} heavy with ${trace.deadlineHours} h deadlines`);
say(`fleet: ${trace.onDemandWorkers} on-demand GPUs, ${trace.spotWorkers} spot GPUs while a spot window is open; ${cpus()[0]?.model ?? 'cpu'}`);
say(`calendar: on-demand $4.00; off-peak 22:00–06:00 UTC $2.40; spot 02:00–10:00 UTC $1.40, ${pct(trace.preemptionPerHour)} chance an hour per worker of preemption`);
say();
const runs: Array<[string, CostResult]> = [];
for (const defer of [false, true]) {
  const t0 = Date.now();
  const r = simulateCost({ ...trace, defer });
  say(`  ${defer ? 'nightshift' : 'everything now'}: simulated in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  runs.push([defer ? 'nightshift (deferral + spot)' : 'everything now', r]);
}
const [, now] = runs[0]!;
const rows = [
  ['everything now, all at on-demand $4.00', usd(now.onDemandCost), '100.0%', pct(1), `${now.interactiveWait.p50.toFixed(1)} / ${now.interactiveWait.p99.toFixed(1)}`, '0', '0', '0', '–'],
  ...runs.map(([name, r]) => [
    name === 'everything now' ? 'everything now, billed by the calendar' : name,
    usd(r.cost),
    pct(r.cost / now.onDemandCost),
    pct(r.met / r.heavy),
    `${r.interactiveWait.p50.toFixed(1)} / ${r.interactiveWait.p99.toFixed(1)}`,
    String(r.deferred),
    String(r.preemptions),
    String(r.fallbacks),
    Object.entries(r.hoursByWindow).map(([w, h]) => `${w} ${h.toFixed(0)}`).join(', '),
  ]),
];
say();
say(table(['setup', 'cost', 'of on-demand', 'deadlines met', 'interactive wait p50 / p99 s', 'deferred', 'preemptions', 'fell back', 'GPU-hours by window'], rows));
const ns = runs[1]![1];
say();
say(`jobs ${ns.jobs}, heavy ${ns.heavy}, unfinished ${ns.unfinished}. Targets: ≤ 60% of on-demand cost (${pct(ns.cost / now.onDemandCost)}), ≥ 99% of deadlines (${pct(ns.met / ns.heavy)}), interactive wait unchanged.`);
