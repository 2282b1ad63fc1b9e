import { availableParallelism } from 'node:os';
import { Piscina } from 'piscina';
import { simulateCost, type CostResult, type CostSimulation, type TraceJob } from './cost-simulation.js';
import type { Workload } from './workload.js';

/** A fleet to try: on-demand workers, and spot workers (there while a spot window is open). */
export interface Fleet {
  onDemand: number;
  spot: number;
}

/** What a fleet does with the workload. */
export interface FleetPlan extends Fleet {
  /** The fleet's own cost a day and a week (every worker, idle or not, at the window's price). */
  perDay: number;
  perWeek: number;
  /** Cost of the work done, had only busy workers been paid (what autoscaling to zero would approach). */
  workPerDay: number;
  /** Heavy jobs finished by their deadline, of all heavy jobs. */
  deadlinesMet: number;
  /** Interactive jobs' wait for a worker, p99, seconds. */
  interactiveP99: number;
  /** Whether it meets the targets. */
  meets: boolean;
  result: CostResult;
}

export interface PlanTargets {
  /** Share of deadlines to meet, 0–1. */
  deadlinesMet: number;
  /** Interactive p99 wait, seconds. */
  interactiveP99: number;
}

/** `a..b` or `a..b:step` or `n`: the sizes to try (whole numbers, at most 64 of them). */
export function sizes(spec: string): number[] {
  const m = /^(\d+)(?:\.\.(\d+)(?::(\d+))?)?$/.exec(spec);
  if (!m) throw new Error(`"${spec}" is not a size (8), a range (8..64) or a range with a step (8..64:8)`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  const step = m[3] === undefined ? Math.max(1, Math.ceil((to - from) / 7)) : Number(m[3]);
  if (to < from || step < 1) throw new Error(`"${spec}": the range must go up, by a step of 1 or more`);
  const out: number[] = [];
  for (let n = from; n <= to; n += step) out.push(n);
  if (out.at(-1) !== to) out.push(to);
  if (out.length > 64) throw new Error(`"${spec}" has ${out.length} sizes: 64 at most`);
  return out;
}

/**
 * Runs the workload on every fleet (the same trace: the given one, or the one its seed makes),
 * through the real policy code with deferral on, and says which fleets meet the targets; the
 * cheapest of those is `best`. With a trace, the simulated days are those the trace spans.
 */
export function planFleets(workload: Workload, fleets: Fleet[], targets: PlanTargets, trace?: readonly TraceJob[]): { plans: FleetPlan[]; best: FleetPlan | undefined } {
  const runs = simulations(workload, fleets, trace);
  return choose(runs.map((r) => ({ ...r, result: simulateCost(r.simulation, trace) })), targets);
}

const threadFile = new URL(`./plan-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/** planFleets with the fleets spread over `threads` threads (default: one a core). The same plans. */
export async function planFleetsOnThreads(workload: Workload, fleets: Fleet[], targets: PlanTargets, trace?: readonly TraceJob[], threads = availableParallelism()): Promise<{ plans: FleetPlan[]; best: FleetPlan | undefined }> {
  const runs = simulations(workload, fleets, trace);
  const pool = new Piscina({ filename: threadFile, maxThreads: Math.max(1, Math.min(threads, runs.length)), idleTimeout: 1000 });
  try {
    const results = await Promise.all(runs.map((r) => pool.run({ simulation: r.simulation, trace }) as Promise<CostResult>));
    return choose(runs.map((r, i) => ({ ...r, result: results[i]! })), targets);
  } finally {
    await pool.destroy();
  }
}

/** Each fleet's simulation input (over the days the trace spans, when there is one). */
function simulations(workload: Workload, fleets: Fleet[], trace?: readonly TraceJob[]): Array<{ fleet: Fleet; simulation: CostSimulation }> {
  const w = trace?.length ? { ...workload, ...traceSpan(trace) } : workload;
  return fleets.map((fleet) => ({ fleet, simulation: { ...w, onDemandWorkers: fleet.onDemand, spotWorkers: fleet.spot, defer: true } }));
}

/** The plans from the simulations' results, and the cheapest that meets the targets. */
function choose(runs: Array<{ fleet: Fleet; simulation: CostSimulation; result: CostResult }>, targets: PlanTargets): { plans: FleetPlan[]; best: FleetPlan | undefined } {
  const plans = runs.map(({ fleet, simulation, result }): FleetPlan => {
    const deadlinesMet = result.heavy ? result.met / result.heavy : 1;
    const perDay = result.fleetCost / simulation.days;
    return {
      ...fleet, perDay, perWeek: perDay * 7, workPerDay: result.cost / simulation.days, deadlinesMet, interactiveP99: result.interactiveWait.p99,
      meets: result.unfinished === 0 && deadlinesMet >= targets.deadlinesMet && result.interactiveWait.p99 <= targets.interactiveP99,
      result,
    };
  });
  const best = plans.filter((p) => p.meets).sort((a, b) => a.perDay - b.perDay || a.onDemand - b.onDemand)[0];
  return { plans, best };
}

const DAY = 86_400_000;

/** The whole days a trace spans, from the midnight (UTC) before its first job. */
function traceSpan(trace: readonly TraceJob[]): { start: number; days: number } {
  const start = Math.floor(trace[0]!.arrival / DAY) * DAY;
  return { start, days: Math.max(1, Math.ceil((trace.at(-1)!.arrival + 1 - start) / DAY)) };
}
