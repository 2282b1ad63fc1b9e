import type { Redis } from 'ioredis';
import type { Logger } from '@nightshift/proto';
import type { JobStore } from '../jobs/index.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import { LockKeeper } from './lock-keeper.js';
import { QueuePuller } from './queue-puller.js';
import { WorkerPool } from './worker-pool.js';

/**
 * Moves jobs from every queue to the workers, a puller per (op, bucket) queue sharing one worker
 * pool. Pullers start for the queues that have held a job: those this process adds to (at once)
 * and those listed in Redis by any replica (looked up every discoverMs).
 */
export class Dispatcher {
  private readonly locks: LockKeeper;
  readonly pool: WorkerPool;
  private readonly pullers = new Map<string, QueuePuller>();
  private readonly opts;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly connection: Redis,
    private readonly store: JobStore,
    private readonly config: SchedulerConfig,
    private readonly log: Logger,
  ) {
    this.locks = new LockKeeper(config.dispatch.lockMs, log);
    this.pool = new WorkerPool(config.workers, config.dispatch.workerBackoffMs, log);
    this.opts = {
      prefix: config.prefix,
      lockMs: config.dispatch.lockMs,
      maxStalledCount: config.dispatch.maxStalledCount,
      batchTimeoutMs: config.dispatch.batchTimeoutMs,
      limits: config.batching,
    };
  }

  async start(): Promise<void> {
    await this.discover();
    this.timer = setInterval(() => void this.discover().catch((err: unknown) => this.log.warn({ err }, 'queue discovery failed')), this.config.dispatch.discoverMs);
    this.timer.unref();
  }

  /** Starts pulling `queue` if nothing here pulls it yet. */
  ensure(queue: string): void {
    if (this.stopped || this.pullers.has(queue)) return;
    const puller = new QueuePuller(queue, this.connection, this.store, this.pool, this.locks, this.opts, this.log);
    this.pullers.set(queue, puller);
    void puller.start().catch((err: unknown) => this.log.error({ err, queue }, 'puller did not start'));
  }

  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.pool.close();
    await Promise.all([...this.pullers.values()].map((p) => p.stop(graceMs)));
    this.locks.stop();
    this.pool.dispose();
  }

  private async discover(): Promise<void> {
    for (const q of await this.connection.smembers(this.store.keys.queues())) this.ensure(q);
  }
}
