import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { countGrpcRequests, OP_NAMES, type OpName } from '@nightshift/proto';
import type * as grpc from '@grpc/grpc-js';

/** How a RunBatch ended: ran (some jobs may still have failed), refused as malformed, failed, or refused while draining. */
export type BatchOutcome = 'ran' | 'invalid' | 'error' | 'draining';

/** Kernel seconds from 1 ms to about 17 min, doubling. */
const SECONDS_BUCKETS = Array.from({ length: 21 }, (_, i) => 0.001 * 2 ** i);

/**
 * The worker's Prometheus metrics (GET /metrics on metricsListen). Every
 * label set is bounded: ops, one backend, outcomes, gRPC methods and codes.
 * Label children are made once, so a batch costs a few increments.
 */
export class WorkerMetrics {
  readonly registry = new Registry();
  /** For serve()'s options: counts every gRPC call by method and status. */
  readonly grpcInterceptor: grpc.ServerInterceptor;
  private readonly kernel: Map<OpName, Histogram.Internal<'op' | 'backend'>>;
  private readonly batches: Counter<'op' | 'outcome'>;
  private readonly jobs: Counter<'op' | 'outcome'>;

  constructor(info: { id: string; workerClass: string; pool: string; backend: string }, inFlight: () => number) {
    const registers = [this.registry];
    this.grpcInterceptor = countGrpcRequests(this.registry);
    const kernel = new Histogram({
      name: 'nightshift_worker_kernel_seconds',
      help: 'Kernel seconds of each batch this worker ran, by op and backend.',
      labelNames: ['op', 'backend'] as const,
      buckets: SECONDS_BUCKETS,
      registers,
    });
    this.kernel = new Map(OP_NAMES.map((op) => [op, kernel.labels(op, info.backend)]));
    this.batches = new Counter({ name: 'nightshift_worker_batches_total', help: 'RunBatch calls, by op and outcome (ran, invalid, error, draining).', labelNames: ['op', 'outcome'] as const, registers });
    this.jobs = new Counter({ name: 'nightshift_worker_jobs_total', help: 'Jobs of the batches run, by op and outcome (ok, or error: the kernel or a limit refused it).', labelNames: ['op', 'outcome'] as const, registers });
    new Gauge({ name: 'nightshift_worker_batches_in_flight', help: 'Batches this worker is running now.', registers, collect() { this.set(inFlight()); } });
    new Gauge({ name: 'nightshift_worker_info', help: 'This worker: its id, class, pool and kernel backend (always 1).', labelNames: ['id', 'worker_class', 'pool', 'backend'] as const, registers })
      .set({ id: info.id, worker_class: info.workerClass, pool: info.pool, backend: info.backend }, 1);
  }

  /** A batch ran: its kernel seconds, and how many of its jobs failed. */
  ran(op: OpName, jobs: number, failed: number, seconds: number): void {
    this.kernel.get(op)?.observe(seconds);
    this.batches.inc({ op, outcome: 'ran' });
    if (jobs > failed) this.jobs.inc({ op, outcome: 'ok' }, jobs - failed);
    if (failed) this.jobs.inc({ op, outcome: 'error' }, failed);
  }

  /** A batch that did not run; its op when known. */
  refused(op: string, outcome: Exclude<BatchOutcome, 'ran'>): void {
    this.batches.inc({ op: (OP_NAMES as readonly string[]).includes(op) ? op : 'unknown', outcome });
  }
}
