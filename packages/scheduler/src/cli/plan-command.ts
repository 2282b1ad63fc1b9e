import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { planChart, planFleetsOnThreads, readTrace, readWorkload, sizes, WorkloadError, type Fleet, type TraceJob } from '../planning/index.js';

export const planUsage = `usage: nightshift plan --workload FILE [--trace FILE.jsonl] [--on-demand 8..64[:STEP]] [--spot 0..32[:STEP]]
                      [--deadlines 0.99] [--interactive-p99 SECONDS] [--chart FILE.svg] [--json]

Runs a described workload (YAML: jobs a day, heavy share, deadlines, calendar and prices) through
the scheduler's own policy code on a simulated clock, on every fleet of the sweep, and says what
each costs a day and a week, what share of deadlines it meets and what interactive jobs wait. The
cheapest fleet that meets the targets is marked. Needs no scheduler.

  --workload FILE        the workload description (see packages/scheduler/samples/plan-workload.yaml)
  --trace FILE.jsonl     the jobs themselves, a line each: {"arrival", "tokens", "deadline"?, "seconds"?}
                         (ISO 8601 or ms; seconds measured, else quoted); the description then gives the
                         calendar, prices and policy, and the days are those the trace spans
  --on-demand RANGE      on-demand workers to try: 16, 8..64, or 8..64:8 (default 8..64)
  --spot RANGE           spot workers to try, there while a spot window is open (default 0)
  --deadlines SHARE      the share of heavy jobs' deadlines a fleet must meet (default 0.99)
  --interactive-p99 S    the most interactive jobs may wait for a worker, p99, seconds (default 60)
  --chart FILE.svg       also draw cost against deadlines missed, one mark per fleet
  --json                 one JSON object: every fleet and the one chosen
`;

export interface PlanFlags {
  workload?: string | undefined;
  trace?: string | undefined;
  onDemand: string;
  spot: string;
  deadlines: string;
  interactiveP99: string;
  chart?: string | undefined;
  json: boolean;
}

/** `nightshift plan`: exit 0 with a fleet chosen, 1 when none of the sweep meets the targets, 2 on bad input. */
export async function planCommand(f: PlanFlags, out: (s: string) => void, err: (s: string) => void): Promise<number> {
  if (!f.workload) return bad(err, '--workload FILE is required');
  let text: string;
  try {
    text = readFileSync(f.workload, 'utf8');
  } catch (e) {
    return bad(err, `cannot read ${f.workload}: ${(e as Error).message}`);
  }
  const deadlines = Number(f.deadlines);
  const p99 = Number(f.interactiveP99);
  if (!(deadlines >= 0 && deadlines <= 1)) return bad(err, `--deadlines: "${f.deadlines}" is not a share between 0 and 1`);
  if (!(p99 >= 0) || !Number.isFinite(p99)) return bad(err, `--interactive-p99: "${f.interactiveP99}" is not a number of seconds`);
  let fleets: Fleet[];
  try {
    const onDemand = sizes(f.onDemand);
    const spot = sizes(f.spot);
    if (onDemand.length * spot.length > 256) return bad(err, `the sweep has ${onDemand.length * spot.length} fleets: 256 at most`);
    fleets = onDemand.flatMap((o) => spot.map((s) => ({ onDemand: o, spot: s })));
    if (fleets.some((x) => x.onDemand < 1)) return bad(err, '--on-demand: at least 1 worker (interactive jobs run on demand)');
  } catch (e) {
    return bad(err, (e as Error).message);
  }
  let workload;
  let trace: TraceJob[] | undefined;
  try {
    workload = readWorkload(text, f.workload, { trace: f.trace !== undefined });
    if (f.trace !== undefined) trace = readTrace(readFileSync(f.trace, 'utf8'), f.trace);
  } catch (e) {
    if (e instanceof WorkloadError) return bad(err, e.message, false);
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return bad(err, `cannot read ${f.trace}: ${(e as Error).message}`, false);
    throw e;
  }
  const started = performance.now();
  const { plans, best } = await planFleetsOnThreads(workload, fleets, { deadlinesMet: deadlines, interactiveP99: p99 }, trace);
  const seconds = (performance.now() - started) / 1000;
  if (f.chart) writeFileSync(f.chart, planChart(plans, best, `${trace ? `${trace.length} jobs of ${f.trace}` : `${workload.jobsPerDay} jobs a day, ${workload.days} days`}: cost against deadlines missed`));
  if (f.json) {
    const row = (p: (typeof plans)[number]) => ({ onDemand: p.onDemand, spot: p.spot, perDay: p.perDay, perWeek: p.perWeek, workPerDay: p.workPerDay, deadlinesMet: p.deadlinesMet, interactiveP99: p.interactiveP99, meets: p.meets });
    out(JSON.stringify({ fleets: plans.map(row), best: best ? row(best) : null, seconds }));
    return best ? 0 : 1;
  }
  const usd = (v: number) => `$${Math.round(v).toLocaleString('en-US')}`;
  const rows = plans.map((p) => [
    `${p.onDemand} + ${p.spot}`, usd(p.perDay), usd(p.perWeek), usd(p.workPerDay), `${(100 * p.deadlinesMet).toFixed(1)}%`, p.interactiveP99.toFixed(1), p === best ? 'cheapest that meets the targets' : p.meets ? 'meets' : '',
  ]);
  const head = ['on-demand + spot', 'fleet a day', 'fleet a week', 'work a day', 'deadlines met', 'interactive p99 s', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const r of [head, ...rows]) out(r.map((c, i) => (i === 0 || i === r.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
  out('');
  out(best
    ? `cheapest fleet meeting ${(100 * deadlines).toFixed(1)}% of deadlines and an interactive p99 of ${p99} s: ${best.onDemand} on-demand + ${best.spot} spot workers, ${usd(best.perDay)} a day, ${usd(best.perWeek)} a week`
    : `no fleet of the sweep meets ${(100 * deadlines).toFixed(1)}% of deadlines and an interactive p99 of ${p99} s: try larger fleets`);
  out(`${plans.length} fleets simulated in ${seconds.toFixed(1)} s on ${Math.min(availableParallelism(), plans.length)} thread(s)${f.chart ? `; chart: ${f.chart}` : ''}`);
  return best ? 0 : 1;
}

function bad(err: (s: string) => void, message: string, usage = true): number {
  err(`nightshift plan: ${message}`);
  if (usage) err(planUsage);
  return 2;
}
