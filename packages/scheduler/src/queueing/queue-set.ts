import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { packTokens } from '@nightshift/proto';
import type { NewJob } from '../jobs/index.js';
import { bullPriority, type QueueJobData } from './queue-job.js';

export interface EnqueueOptions {
  /** First retry delay; doubles each attempt. (Attempts are the job's own.) */
  backoffMs: number;
}

/** The BullMQ queues of the (op, bucket) pairs: the port through which admission enqueues. */
export class QueueSet {
  private readonly queues = new Map<string, Queue<QueueJobData>>();
  private readonly announced = new Set<string>();
  private listener: ((queue: string) => void) | undefined;

  constructor(
    private readonly connection: Redis,
    readonly prefix: string,
    /** The set of queue names dispatchers pull from (Keys.queues()). */
    private readonly queuesKey: string,
  ) {}

  /** Called once per queue this process sees a job added to, so that its dispatcher starts at once. */
  onQueue(listener: (queue: string) => void): void {
    this.listener = listener;
  }

  get(name: string): Queue<QueueJobData> {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue<QueueJobData>(name, { connection: this.connection as ConnectionOptions, prefix: this.prefix });
      this.queues.set(name, q);
    }
    return q;
  }

  /** Adds jobs with one addBulk per queue (one round trip each, however many jobs). */
  async enqueueMany(items: ReadonlyArray<{ job: NewJob; tokens: Uint32Array }>, opts: EnqueueOptions): Promise<void> {
    const byQueue = new Map<string, Array<{ job: NewJob; tokens: Uint32Array }>>();
    for (const item of items) {
      const list = byQueue.get(item.job.queue) ?? [];
      list.push(item);
      byQueue.set(item.job.queue, list);
    }
    const fresh = [...byQueue.keys()].filter((q) => !this.announced.has(q));
    if (fresh.length) {
      // Every replica's dispatcher finds the queues here; this one's is told directly.
      await this.connection.sadd(this.queuesKey, ...fresh);
      for (const q of fresh) {
        this.announced.add(q);
        this.listener?.(q);
      }
    }
    await Promise.all(
      [...byQueue].map(([queue, list]) =>
        this.get(queue).addBulk(
          list.map(({ job, tokens }) => ({
            name: job.spec.op,
            data: { id: job.id, tenant: job.tenant, spec: job.spec, tokens: packTokens(tokens).toString('base64'), tokenCount: tokens.length },
            opts: {
              jobId: job.id,
              priority: bullPriority(job.priority),
              attempts: job.maxAttempts,
              backoff: { type: 'exponential', delay: opts.backoffMs },
              // The job record keeps the outcome; BullMQ's copy would only take memory.
              removeOnComplete: true,
              removeOnFail: true,
            },
          })),
        ),
      ),
    );
  }

  /** Takes a waiting job out of its queue; false when it is not there or locked by a dispatcher. */
  async remove(queue: string, id: string): Promise<boolean> {
    return (await this.get(queue).remove(id)) === 1;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
  }
}
