import type { Logger } from '@nightshift/proto';
import type { JobState } from '../jobs/index.js';
import type { WorkerStatus } from '../dispatch/index.js';
import type { ModelReport } from '../pricing/index.js';
import type { Opening } from '../windows/index.js';
import type { TenantShare } from '../fairness/index.js';
import { poolOf } from '../queueing/index.js';
import type { BatchSample } from './batch-ring.js';

/** Where the system's state is read from, at scrape time: each part of the scheduler that holds it. */
export interface SystemSources {
  queueDepths(): Promise<ReadonlyMap<string, number>>;
  bucketDepths(): Promise<ReadonlyArray<{ queue: string; bucket: string; jobs: number }>>;
  tenants(): Promise<string[]>;
  /** The tenant's current budget period: its budget (0: none), spend and reservations. */
  usage(tenant: string): Promise<{ id: string; budget: number; spent: number; reserved: number }>;
  jobsByState(tenants: readonly string[]): Promise<Array<Record<JobState, number>>>;
  deferredJobs(): Promise<number>;
  /** Predicted worker-seconds planned in each window opening. */
  plannedOpenings(): Promise<Array<{ window: string; opensAt: number; closesAt: number; seconds: number }>>;
  /** The calendar's openings in [from, to). */
  openings(from: number, to: number): Opening[];
  workers(): WorkerStatus[];
  models(): Promise<ModelReport[]>;
  alerts(): Record<string, number>;
  batches(): BatchSample[];
  /** Batch objects not yet final (the newest, up to a cap). */
  batchObjects(): Promise<BatchObjectStatus[]>;
  /** Each tenant's share of the fleet against its target (fair sharing). */
  shares(): Promise<TenantShare[]>;
}

/** A batch object's progress, as metrics and the dashboard show it. */
export interface BatchObjectStatus {
  id: string;
  tenant: string;
  op: string;
  state: string;
  items: number;
  succeeded: number;
  failed: number;
  units: number;
  unitsDone: number;
  /** US dollars: what its units cost so far, and its admitted quote (0 before admission). */
  cost: number;
  quote: number;
  /** ms since the epoch (0: none yet). */
  eta: number;
}

export interface Snapshot {
  at: number;
  queues: Array<{ queue: string; pool: string; jobs: number }>;
  buckets: Array<{ queue: string; bucket: string; jobs: number }>;
  tenants: Array<{ tenant: string; period: string; budget: number; spent: number; reserved: number; jobs: Record<JobState, number> }>;
  /** The next CALENDAR_HOURS of openings, each with the work deferred to it. */
  calendar: { from: number; to: number; deferredJobs: number; openings: Array<{ window: string; spot: boolean; start: number; end: number; plannedSeconds: number }> };
  workers: WorkerStatus[];
  models: Array<{ op: string; workerClass: string; batches: number; error: number | null }>;
  alerts: Record<string, number>;
  batches: BatchSample[];
  batchObjects: BatchObjectStatus[];
  shares: TenantShare[];
}

const CALENDAR_HOURS = 48;

/**
 * The state of the whole system, read at most once a second however often
 * Prometheus scrapes and dashboards poll (concurrent readers share one
 * read). Every replica reads the same Redis, so replicas agree, except for
 * the workers and batches, which are this replica's own.
 */
export class SystemView {
  private last: { at: number; snapshot: Promise<Snapshot> } | undefined;

  constructor(
    private readonly sources: SystemSources,
    private readonly log: Logger,
    private readonly maxAgeMs = 1000,
  ) {}

  snapshot(): Promise<Snapshot> {
    const now = Date.now();
    if (!this.last || now - this.last.at > this.maxAgeMs) {
      const snapshot = this.read(now);
      // A failed read is not kept: the next caller tries again.
      snapshot.catch((err: unknown) => {
        this.log.warn({ err }, 'reading the system state for metrics failed');
        if (this.last?.snapshot === snapshot) this.last = undefined;
      });
      this.last = { at: now, snapshot };
    }
    return this.last.snapshot;
  }

  private async read(now: number): Promise<Snapshot> {
    const s = this.sources;
    const tenants = await s.tenants();
    // One after the other: both come from one reading of the pending sets, which the first call refreshes.
    const depths = await s.queueDepths();
    const buckets = await s.bucketDepths();
    const [usage, jobs, deferredJobs, planned, models, batchObjects, shares] = await Promise.all([
      Promise.all(tenants.map((t) => s.usage(t))), s.jobsByState(tenants), s.deferredJobs(), s.plannedOpenings(), s.models(), s.batchObjects(), s.shares(),
    ]);
    const plannedAt = new Map(planned.map((p) => [`${p.window}@${p.opensAt}`, p.seconds]));
    const to = now + CALENDAR_HOURS * 3_600_000;
    return {
      at: now,
      queues: [...depths].map(([queue, n]) => ({ queue, pool: poolOf(queue), jobs: n })).sort((a, b) => a.queue.localeCompare(b.queue)),
      buckets: [...buckets].sort((a, b) => a.queue.localeCompare(b.queue) || bound(a.bucket) - bound(b.bucket)),
      tenants: tenants.map((tenant, i) => ({ tenant, period: usage[i]!.id, budget: usage[i]!.budget, spent: usage[i]!.spent, reserved: usage[i]!.reserved, jobs: jobs[i]! })),
      calendar: {
        from: now,
        to,
        deferredJobs,
        openings: s.openings(now, to).map((o) => ({ window: o.window, spot: o.spot, start: o.start, end: o.end, plannedSeconds: plannedAt.get(`${o.window}@${o.start}`) ?? 0 })),
      },
      workers: s.workers(),
      models: models.map((m) => ({ op: m.op, workerClass: m.workerClass, batches: m.batches, error: m.mape })),
      alerts: s.alerts(),
      batches: s.batches(),
      batchObjects,
      shares,
    };
  }
}

/** A bucket's bound, for ordering: le487 → 487; an open gt… bucket last. */
function bound(bucket: string): number {
  return bucket.startsWith('le') ? Number(bucket.slice(2)) : Infinity;
}
