import * as grpc from '@grpc/grpc-js';
import { Counter, Histogram, type Registry } from 'prom-client';
import type { BatchRun, DispatchObserver } from '../dispatch/index.js';
import type { JobRecord, JobState, Transition, TransitionResult } from '../jobs/index.js';
import { opOfQueue, type PendingEntry } from '../queueing/index.js';
import { BatchRing } from './batch-ring.js';
import { TenantLabels } from './tenant-labels.js';

/** Powers of two from `from` to `to`. */
const doubling = (from: number, to: number): number[] => Array.from({ length: Math.log2(to / from) + 1 }, (_, i) => from * 2 ** i);
/** Seconds from 1 ms to about 17 min. */
const SECONDS = doubling(0.001, 1024);

/**
 * What flows through the scheduler, counted where it happens: jobs moving
 * between states, batches, their shape, their predicted and measured
 * seconds, and the wait before dispatch. Each event costs a few map lookups
 * and increments; label children are made once per label set. The label
 * sets are bounded: tenants (up to a cap, see TenantLabels), ops, queues (an op and a range of
 * lengths, a dozen or so per op), worker classes and states. Job ids are never labels.
 */
export class FlowMetrics implements DispatchObserver {
  /** The last settled batches, for the dashboard's chart of the cost model. */
  readonly batches = new BatchRing();
  private readonly jobs: Counter<'tenant' | 'op' | 'queue' | 'state'>;
  private readonly jobChildren = new Map<string, Counter.Internal>();
  private readonly refused: Counter<'tenant' | 'code'>;
  private readonly batchCount: Counter<'op' | 'worker_class' | 'outcome'>;
  private readonly size: Histogram<'op'>;
  private readonly padded: Histogram<'op'>;
  private readonly efficiency: Histogram<'op'>;
  private readonly latency: Histogram<'op'>;
  private readonly latencyChildren = new Map<string, Histogram.Internal<'op'>>();
  private readonly tenantWait: Histogram<'tenant'>;
  private readonly tenantWaitChildren = new Map<string, Histogram.Internal<'tenant'>>();
  private readonly rpc: Histogram<'op' | 'worker_class'>;
  private readonly kernel: Histogram<'op' | 'worker_class'>;
  private readonly predicted: Histogram<'op' | 'worker_class'>;
  private readonly error: Histogram<'op' | 'worker_class'>;

  constructor(
    registry: Registry,
    /** Which tenants are labelled by name; the rest share one label. */
    readonly tenants: TenantLabels = new TenantLabels(1000),
  ) {
    const registers = [registry];
    this.jobs = new Counter({
      name: 'nightshift_jobs_total',
      help: 'Jobs moved into a state by this scheduler (admitted QUEUED, DEFERRED or SUCCEEDED from the cache; RUNNING; SUCCEEDED, FAILED, QUEUED again for a retry; CANCELLED), by tenant, op, queue and state.',
      labelNames: ['tenant', 'op', 'queue', 'state'] as const,
      registers,
    });
    this.refused = new Counter({ name: 'nightshift_jobs_refused_total', help: 'Jobs refused at admission, by tenant and gRPC status code.', labelNames: ['tenant', 'code'] as const, registers });
    this.batchCount = new Counter({ name: 'nightshift_batches_total', help: 'Batches sent to workers, by op, worker class and outcome (ran, failed, preempted).', labelNames: ['op', 'worker_class', 'outcome'] as const, registers });
    this.size = new Histogram({ name: 'nightshift_batch_jobs', help: 'Jobs per batch run.', labelNames: ['op'] as const, buckets: doubling(1, 4096), registers });
    this.padded = new Histogram({ name: 'nightshift_batch_padded_tokens', help: 'Padded tokens (jobs × longest sequence) per batch run.', labelNames: ['op'] as const, buckets: doubling(64, 4_194_304), registers });
    this.efficiency = new Histogram({ name: 'nightshift_batch_padding_efficiency', help: 'Real tokens ÷ padded tokens per batch run.', labelNames: ['op'] as const, buckets: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 1], registers });
    this.latency = new Histogram({ name: 'nightshift_dispatch_latency_seconds', help: 'Per job: from queued (or released, or due for retry) to its batch sent to a worker.', labelNames: ['op'] as const, buckets: SECONDS, registers });
    this.tenantWait = new Histogram({ name: 'nightshift_tenant_wait_seconds', help: "Per job, by tenant: from queued (or released, or due for retry) to its batch sent to a worker: what fair sharing bounds.", labelNames: ['tenant'] as const, buckets: SECONDS, registers });
    this.rpc = new Histogram({ name: 'nightshift_batch_rpc_seconds', help: 'RunBatch calls that returned, from send to reply.', labelNames: ['op', 'worker_class'] as const, buckets: SECONDS, registers });
    this.kernel = new Histogram({ name: 'nightshift_batch_kernel_seconds', help: 'Kernel seconds each batch took, as its worker measured them.', labelNames: ['op', 'worker_class'] as const, buckets: SECONDS, registers });
    this.predicted = new Histogram({ name: 'nightshift_batch_predicted_seconds', help: 'Seconds the cost model predicted for each batch run, before learning from it.', labelNames: ['op', 'worker_class'] as const, buckets: SECONDS, registers });
    this.error = new Histogram({
      name: 'nightshift_cost_model_error_ratio',
      help: "The cost model's absolute error on each batch, |predicted − measured| ÷ measured.",
      labelNames: ['op', 'worker_class'] as const,
      buckets: [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10],
      registers,
    });
  }

  /** One job moved into `state` (its queue names its op). */
  job(tenant: string, queue: string, state: JobState, n = 1): void {
    tenant = this.tenants.of(tenant);
    const key = `${tenant}\t${queue}\t${state}`;
    let c = this.jobChildren.get(key);
    if (!c) {
      c = this.jobs.labels(tenant, opOfQueue(queue), queue, state);
      this.jobChildren.set(key, c);
    }
    c.inc(n);
  }

  /**
   * What admission answered: each job created, or its refusal. An idempotent retry answers with the
   * earlier job, which moved nothing: it is told apart by its seq (a new record's is 1), which misses
   * only a retry of an earlier job that has not moved yet.
   */
  admitted(tenant: string, results: ReadonlyArray<JobRecord | Error>): void {
    for (const r of results) {
      if (r instanceof Error) this.refused.inc({ tenant: this.tenants.of(tenant), code: codeName(r) });
      else if (r.seq === 1) this.job(tenant, r.queue, r.state);
    }
  }

  moved(queue: string, moves: readonly Transition[], results: readonly TransitionResult[]): void {
    moves.forEach((m, i) => results[i]?.ok && this.job(m.tenant, queue, m.to));
  }

  sent(queue: string, jobs: ReadonlyArray<{ entry: PendingEntry }>): void {
    let h = this.latencyChildren.get(queue);
    if (!h) {
      h = this.latency.labels(opOfQueue(queue));
      this.latencyChildren.set(queue, h);
    }
    const now = Date.now();
    for (const { entry } of jobs) {
      const seconds = Math.max(0, now - entry.queuedAt) / 1000;
      h.observe(seconds);
      const label = this.tenants.of(entry.tenant);
      let t = this.tenantWaitChildren.get(label);
      if (!t) {
        t = this.tenantWait.labels(label);
        this.tenantWaitChildren.set(label, t);
      }
      t.observe(seconds);
    }
  }

  ran(b: BatchRun): void {
    const labels = { op: b.op, worker_class: b.workerClass };
    this.batchCount.inc({ ...labels, outcome: 'ran' });
    this.size.observe({ op: b.op }, b.jobs);
    this.padded.observe({ op: b.op }, b.paddedTokens);
    if (b.paddedTokens > 0) this.efficiency.observe({ op: b.op }, b.realTokens / b.paddedTokens);
    this.rpc.observe(labels, b.rpcSeconds);
    this.kernel.observe(labels, b.kernelSeconds);
    this.predicted.observe(labels, b.predictedSeconds);
    if (b.kernelSeconds > 0) this.error.observe(labels, Math.abs(b.predictedSeconds - b.kernelSeconds) / b.kernelSeconds);
    this.batches.push({ at: Date.now(), op: b.op, workerClass: b.workerClass, jobs: b.jobs, predictedSeconds: b.predictedSeconds, kernelSeconds: b.kernelSeconds });
  }

  failed(_queue: string, op: string, workerClass: string, preempted: boolean): void {
    this.batchCount.inc({ op, worker_class: workerClass, outcome: preempted ? 'preempted' : 'failed' });
  }
}

/** The status a refusal answers with (an ApiError's code; anything else becomes UNKNOWN at the edge). */
function codeName(err: Error): string {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? (grpc.status[code] ?? String(code)) : 'UNKNOWN';
}
