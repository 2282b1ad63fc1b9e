import { randomUUID } from 'node:crypto';
import type { JobStore, JobRecord, NewJob } from '../jobs/index.js';
import { bucketOf, queueName, type QueueSet } from '../queueing/index.js';
import type { ValidJobSpec } from '../api/requests.js';
import { invalid } from '../api/api-error.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * Admission: measure the job's tokens, check them against the limits,
 * write its record, enqueue it in the queue of its (op, bucket).
 */
export class Admission {
  constructor(
    private readonly store: JobStore,
    private readonly queues: QueueSet,
    private readonly tokenizer: Tokenizer,
    private readonly config: SchedulerConfig['jobs'],
  ) {}

  async admit(tenant: string, v: ValidJobSpec): Promise<JobRecord> {
    const tokens = 'text' in v.payload ? await this.tokenizer.encode(v.payload.text) : v.payload.tokens;
    if (tokens.length > this.config.maxTokensPerJob) {
      throw invalid(`job.${'text' in v.payload ? 'text' : 'tokens'}: ${tokens.length} tokens, above the limit of ${this.config.maxTokensPerJob} per job`);
    }
    const bucket = bucketOf(v.spec.op, tokens.length);
    const job: NewJob = {
      id: randomUUID(),
      tenant,
      spec: v.spec,
      priority: v.priority,
      clientRef: v.clientRef,
      tokenCount: tokens.length,
      bucket,
      queue: queueName(v.spec.op, bucket),
      maxAttempts: v.maxAttempts || this.config.defaultAttempts,
      createdAt: Date.now(),
    };
    // Record first: a job in a queue always has a record to settle into.
    await this.store.create(job);
    try {
      await this.queues.enqueue(job, tokens, { attempts: job.maxAttempts, backoffMs: this.config.backoffMs });
    } catch (err) {
      await this.store
        .transition({ tenant, id: job.id, from: ['QUEUED'], to: 'FAILED', fields: { error: 'could not be queued' } })
        .catch(() => undefined);
      throw err;
    }
    return { ...job, state: 'QUEUED', seq: 1, attempts: 0, error: '', startedAt: 0, finishedAt: 0, kernelSeconds: 0, workerId: '', batchId: '' };
  }
}
