import type { Redis } from 'ioredis';
import type { Logger } from '@nightshift/proto';
import type { JobStore } from '../jobs/index.js';
import { allQueueNames } from '../queueing/index.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import { LockKeeper } from './lock-keeper.js';
import { QueuePuller } from './queue-puller.js';
import { WorkerPool } from './worker-pool.js';

/** Moves jobs from every queue to the workers, a puller per queue sharing one worker pool. */
export class Dispatcher {
  private readonly locks: LockKeeper;
  readonly pool: WorkerPool;
  private readonly pullers: QueuePuller[];

  constructor(connection: Redis, store: JobStore, config: SchedulerConfig, log: Logger) {
    this.locks = new LockKeeper(config.dispatch.lockMs, log);
    this.pool = new WorkerPool(config.workers, config.dispatch.workerBackoffMs, log);
    const opts = {
      prefix: config.prefix,
      lockMs: config.dispatch.lockMs,
      maxStalledCount: config.dispatch.maxStalledCount,
      batchTimeoutMs: config.dispatch.batchTimeoutMs,
      limits: config.batching,
    };
    this.pullers = allQueueNames().map((q) => new QueuePuller(q, connection, store, this.pool, this.locks, opts, log));
  }

  async start(): Promise<void> {
    await Promise.all(this.pullers.map((p) => p.start()));
  }

  async stop(graceMs: number): Promise<void> {
    this.pool.close();
    await Promise.all(this.pullers.map((p) => p.stop(graceMs)));
    this.locks.stop();
    this.pool.dispose();
  }
}
