import { seededRandom } from '@nightshift/proto';
import { ManualClock } from '../clock/index.js';
import { BucketPlan } from '../batching/index.js';
import { Billing, ON_DEMAND, priorState, Quoter, type PriceList } from '../pricing/index.js';
import { afterHandBack, Calendar, canWaitForSpot, place, type Capacity, type WindowSpec } from '../windows/index.js';

/**
 * Days of a GPU fleet's calendar time in seconds, through nightshift's own
 * policy code: the Quoter prices each job in every window, place() defers it
 * or not, Billing prices every worker-second by the window open at the
 * time, and afterHandBack / canWaitForSpot move work off spot. What is
 * simulated is the rest: arrivals, run times (the quote ± noise), the
 * workers, and spot preemptions.
 */
export interface CostSimulation {
  /** ms, where the trace starts. */
  start: number;
  days: number;
  jobsPerDay: number;
  /** Share of jobs that are heavy (long, with a deadline). */
  heavyShare: number;
  deadlineHours: number;
  onDemandWorkers: number;
  /** Workers that exist only while a spot window is open. */
  spotWorkers: number;
  calendar: WindowSpec[];
  /** Dollars per GPU-hour per window, for one class, "gpu". */
  prices: Record<string, number>;
  /** Chance that a spot worker is taken back within an hour. */
  preemptionPerHour: number;
  maxPreemptions: number;
  heavyPrice: number;
  marginMs: number;
  /** false: every job runs now, on the on-demand workers (the reference). */
  defer: boolean;
  seed: number;
}

export interface CostResult {
  jobs: number;
  heavy: number;
  deferred: number;
  /** Dollars, every worker-second at the window open then. */
  cost: number;
  /** Dollars, had every job's work run on demand. */
  onDemandCost: number;
  /** Dollars for the fleet itself over the trace's days: every on-demand worker all the time, every spot worker while a spot window is open, each at the window's price. */
  fleetCost: number;
  /** Heavy jobs finished by their deadline, and all heavy jobs. */
  met: number;
  /** Seconds interactive jobs waited for a worker: p50 and p99. */
  interactiveWait: { p50: number; p99: number };
  /** GPU-hours worked per window (preempted work included). */
  hoursByWindow: Record<string, number>;
  preemptions: number;
  /** Jobs that fell back from spot to on-demand. */
  fallbacks: number;
  unfinished: number;
}

/** A job of a trace: when it came (ms), its tokens, its deadline (ms; 0: none, an interactive job), and the seconds it took, where measured. */
export interface TraceJob {
  arrival: number;
  tokens: number;
  deadline: number;
  seconds?: number;
}

interface SimJob {
  arrival: number;
  /** Measured seconds, from a trace. */
  measured?: number;
  tokens: number;
  heavy: boolean;
  deadline: number;
  /** Predicted seconds (the quote), and what it really takes. */
  seconds: number;
  actual: number;
  preemptions: number;
  started: number;
  finished: number;
}

interface SimWorker {
  pool: 'on-demand' | 'spot';
  job: SimJob | undefined;
  busyUntil: number;
}

const STEP = 10_000;
const HOUR = 3_600_000;
// 1M tokens of the simulated op take a GPU-hour: seconds = e^a · tokens.
const A = Math.log(3600 / 1_000_000);

/**
 * Simulates `o`'s fleet on `trace` (its jobs, as recorded), or on a trace made from `o`'s
 * description (jobs a day in a daily rhythm, heavy share, deadlines) when none is given.
 */
export function simulateCost(o: CostSimulation, trace?: readonly TraceJob[]): CostResult {
  const random = seededRandom(o.seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const clock = new ManualClock(o.start);
  const calendar = new Calendar(o.calendar);
  const prices: PriceList = { classes: { gpu: o.prices } };
  const billing = new Billing(prices, calendar, clock);
  const plan = new BucketPlan({
    queues: { first: 64, ratio: 2 },
    buckets: { mode: 'geometric', ratio: 1.02, count: 64, every: 5000, sample: 20000, minGain: 0.1 },
    maxLength: 4_000_000,
  });
  const model = priorState({ a: A, b: 1, c: 0 }, { a: 0.01, bc: 0.01 });
  let backlogSeconds = 0;
  // One job per batch: GPU work of this size is not batched with others.
  const quoter = new Quoter({ current: () => model }, prices, { maxBatchJobs: 1, maxPaddedTokens: 1e12 }, () => ['gpu'], () => backlogSeconds / o.onDemandWorkers, calendar, clock);
  const planned = new Map<string, number>();
  const capacity: Capacity = {
    workers: (w) => (o.calendar.find((c) => c.name === w)?.spot ? o.spotWorkers : o.onDemandWorkers),
    load: (w, at) => planned.get(`${w}@${at}`) ?? 0,
  };
  const spotPolicy = { maxPreemptions: o.maxPreemptions, marginMs: o.marginMs };

  // The trace: a daily rhythm (busiest at 14:00 UTC, a fifth of that at 02:00).
  const end = o.start + o.days * 24 * HOUR;
  const arrivals: SimJob[] = (trace ?? []).map((j) => ({
    arrival: j.arrival, tokens: j.tokens, heavy: j.deadline > 0, deadline: j.deadline, ...(j.seconds !== undefined ? { measured: j.seconds } : {}),
    seconds: 0, actual: 0, preemptions: 0, started: 0, finished: 0,
  }));
  for (let t = o.start; t < end && !trace; t += STEP) {
    const hour = ((t - o.start) / HOUR) % 24;
    const rate = (o.jobsPerDay / 24) * (0.6 + 0.4 * Math.cos((2 * Math.PI * (hour - 14)) / 24)) * (STEP / HOUR);
    // Poisson arrivals within the step.
    for (let l = Math.exp(-rate), p = random(); p > l; p *= random()) {
      const heavy = random() < o.heavyShare;
      const tokens = Math.round(Math.min(3_000_000, Math.exp((heavy ? Math.log(400_000) : Math.log(4_000)) + (heavy ? 0.6 : 1) * normal())));
      arrivals.push({ arrival: t + random() * STEP, tokens, heavy, deadline: heavy ? t + o.deadlineHours * HOUR : 0, seconds: 0, actual: 0, preemptions: 0, started: 0, finished: 0 });
    }
  }
  arrivals.sort((a, b) => a.arrival - b.arrival);

  const interactive: SimJob[] = [];
  const heavyQ: SimJob[] = [];
  const spotQ: SimJob[] = [];
  const deferred = new Map<number, Array<{ job: SimJob; spot: boolean }>>();
  const workers: SimWorker[] = [
    ...Array.from({ length: o.onDemandWorkers }, (): SimWorker => ({ pool: 'on-demand', job: undefined, busyUntil: 0 })),
    ...Array.from({ length: o.spotWorkers }, (): SimWorker => ({ pool: 'spot', job: undefined, busyUntil: 0 })),
  ];
  const r: CostResult = {
    jobs: arrivals.length, heavy: arrivals.filter((j) => j.heavy).length, deferred: 0, cost: 0, onDemandCost: 0, fleetCost: 0, met: 0,
    interactiveWait: { p50: 0, p99: 0 }, hoursByWindow: {}, preemptions: 0, fallbacks: 0, unfinished: 0,
  };
  const waits: number[] = [];
  const pPreempt = 1 - (1 - o.preemptionPerHour) ** (STEP / HOUR);
  const toOnDemand = (job: SimJob) => {
    r.fallbacks++;
    heavyQ.unshift(job);
    backlogSeconds += job.seconds;
  };
  let next = 0;
  let spotWasOpen = false;
  // Run until the last arrival, then until the work is done (at most a day more).
  for (let t = o.start; t < end + 24 * HOUR; t += STEP) {
    clock.advance(t - clock.now());
    // 1. Arrivals: quoted and placed.
    for (; next < arrivals.length && arrivals[next]!.arrival < t + STEP; next++) {
      const job = arrivals[next]!;
      const { bucket } = plan.place('embed', job.tokens);
      const quotes = quoter.quote('embed', job.tokens, bucket, job.arrival);
      const placement = o.defer ? place(quotes, job.deadline, { heavyPrice: o.heavyPrice, marginMs: o.marginMs }, capacity) : { kind: 'now' as const, quote: quotes.find((q) => q.window === ON_DEMAND) };
      job.seconds = placement.quote!.seconds;
      // What it took: measured, else the quote with noise.
      job.actual = job.measured ?? job.seconds * Math.exp(0.15 * normal());
      r.onDemandCost += (job.actual * o.prices[ON_DEMAND]!) / 3600;
      if (placement.kind === 'defer') {
        r.deferred++;
        const key = `${placement.quote.window}@${placement.quote.opensAt}`;
        planned.set(key, (planned.get(key) ?? 0) + job.seconds);
        const list = deferred.get(placement.plan.start) ?? [];
        list.push({ job, spot: placement.quote.spot });
        deferred.set(placement.plan.start, list);
      } else {
        (job.heavy ? heavyQ : interactive).push(job);
        backlogSeconds += job.seconds;
      }
    }
    // 2. Releases whose window opened.
    for (const [at, list] of deferred) {
      if (at > t) continue;
      deferred.delete(at);
      for (const { job, spot } of list) {
        if (spot) spotQ.push(job);
        else (heavyQ.push(job), (backlogSeconds += job.seconds));
      }
    }
    // 3. Spot capacity: taken back when its window closes; preempted at random while open.
    const spotOpen = calendar.openAt(t).some((w) => w.spot);
    for (const w of workers) {
      if (w.pool !== 'spot' || !w.job) continue;
      const closing = spotWasOpen && !spotOpen;
      if (closing || random() < pPreempt) {
        const job = w.job;
        w.job = undefined;
        w.busyUntil = t;
        r.preemptions += closing ? 0 : 1;
        job.preemptions += closing ? 0 : 1;
        if (afterHandBack(job, spotOpen, t, spotPolicy) === 'spot') spotQ.unshift(job);
        else toOnDemand(job);
      }
    }
    spotWasOpen = spotOpen;
    // Jobs waiting for spot go on demand when the window is closed or their deadline can no longer wait.
    for (let i = spotQ.length - 1; i >= 0; i--) {
      if (!spotOpen || !canWaitForSpot(spotQ[i]!, t, spotPolicy)) toOnDemand(spotQ.splice(i, 1)[0]!);
    }
    // 4. Billing this step, then hand out work: interactive first on on-demand workers.
    const perHour = { 'on-demand': billing.window('gpu', 'on-demand', t)!, spot: billing.window('gpu', 'spot', t)! };
    const bill = (w: SimWorker, seconds: number) => {
      if (seconds <= 0) return;
      const b = perHour[w.pool];
      r.cost += (seconds * b.perHour) / 3600;
      r.hoursByWindow[b.window] = (r.hoursByWindow[b.window] ?? 0) + seconds / 3600;
    };
    for (const w of workers) {
      if (w.job && w.busyUntil <= t + STEP) {
        // Finishes within this step: its part of it is billed before the worker takes another (none if it ended in the last).
        bill(w, (w.busyUntil - Math.max(t, w.job.started)) / 1000);
        w.job.finished = w.busyUntil;
        if (w.job.heavy && w.busyUntil <= w.job.deadline) r.met++;
        w.job = undefined;
      }
      if (!w.job && (w.pool === 'on-demand' || spotOpen)) {
        const job = w.pool === 'spot' ? spotQ.shift() : (interactive.shift() ?? heavyQ.shift());
        if (job) {
          const start = Math.max(t, w.busyUntil, job.arrival);
          if (w.pool === 'on-demand') backlogSeconds -= job.seconds;
          if (!job.heavy) waits.push((start - job.arrival) / 1000);
          job.started = start;
          w.job = job;
          w.busyUntil = start + job.actual * 1000;
        }
      }
      // The worker's time in this step, billed at the window open now (a job ending in a later step has its last part billed then).
      if (w.job) bill(w, (Math.min(t + STEP, w.busyUntil) - Math.max(t, w.job.started)) / 1000);
    }
    if (next >= arrivals.length && !interactive.length && !heavyQ.length && !spotQ.length && !deferred.size && workers.every((w) => !w.job)) break;
  }
  // The fleet over the trace's days, idle or not.
  for (let t = o.start; t < end; t += STEP) {
    const spot = calendar.openAt(t).some((w) => w.spot) ? o.spotWorkers * billing.window('gpu', 'spot', t)!.perHour : 0;
    r.fleetCost += ((o.onDemandWorkers * billing.window('gpu', 'on-demand', t)!.perHour + spot) * STEP) / 1000 / 3600;
  }
  r.unfinished = arrivals.filter((j) => !j.finished).length;
  waits.sort((a, b) => a - b);
  r.interactiveWait = { p50: waits[Math.floor(waits.length * 0.5)] ?? 0, p99: waits[Math.floor(waits.length * 0.99)] ?? 0 };
  return r;
}
