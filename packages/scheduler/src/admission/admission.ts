import { randomUUID } from 'node:crypto';
import type { JobStore, JobRecord, NewJob } from '../jobs/index.js';
import { packTokens } from '@nightshift/proto';
import { encodeEntry, type PendingEntry, type QueueSet } from '../queueing/index.js';
import type { ValidJobSpec } from '../api/requests.js';
import { invalid } from '../api/api-error.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import type { BucketPlan } from '../batching/index.js';
import type { Tokenizer } from './tokenizer.js';
import type { Quoter, WindowQuote } from '../pricing/index.js';

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
    private readonly buckets: BucketPlan,
    private readonly quoter: Quoter,
  ) {}

  /** A job's tokens, checked against the limit per job. */
  private async measure(v: ValidJobSpec): Promise<Uint32Array | Error> {
    const tokens = 'text' in v.payload ? await this.tokenizer.encode(v.payload.text) : v.payload.tokens;
    if (tokens.length > this.config.maxTokensPerJob) {
      return invalid(`job.${'text' in v.payload ? 'text' : 'tokens'}: ${tokens.length} tokens, above the limit of ${this.config.maxTokensPerJob} per job`);
    }
    return tokens;
  }

  /** What a job would cost, in every window, without admitting it. */
  async quote(v: ValidJobSpec): Promise<{ tokenCount: number; bucket: string; windows: WindowQuote[] }> {
    const tokens = await this.measure(v);
    if (tokens instanceof Error) throw tokens;
    const { bucket } = this.buckets.place(v.spec.op, tokens.length);
    return { tokenCount: tokens.length, bucket, windows: this.quoter.quote(v.spec.op, tokens.length, bucket) };
  }

  async admit(tenant: string, v: ValidJobSpec): Promise<JobRecord> {
    const [one] = await this.admitMany(tenant, [v]);
    if (one instanceof Error) throw one;
    return one!;
  }

  /**
   * Admits several jobs with two round trips in all: the records (one script per tenant), then the
   * queue entries. Each job gets its record or its own error, in order.
   */
  async admitMany(tenant: string, specs: readonly ValidJobSpec[]): Promise<Array<JobRecord | Error>> {
    const createdAt = Date.now();
    const measured = await Promise.all(
      specs.map(async (v): Promise<{ job: NewJob; tokens: Uint32Array } | Error> => {
        const tokens = await this.measure(v);
        if (tokens instanceof Error) return tokens;
        const { queue, bucket } = this.buckets.place(v.spec.op, tokens.length);
        const job: NewJob = {
          id: randomUUID(),
          tenant,
          spec: v.spec,
          priority: v.priority,
          clientRef: v.clientRef,
          tokenCount: tokens.length,
          bucket,
          queue,
          maxAttempts: v.maxAttempts || this.config.defaultAttempts,
          createdAt,
          entry: '',
          // The cheapest window: where it runs until windows defer work.
          quote: this.quoter.quote(v.spec.op, tokens.length, bucket, createdAt)[0],
        };
        job.entry = encodeEntry(entryOf(job));
        return { job, tokens };
      }),
    );
    const ok = measured.filter((m): m is { job: NewJob; tokens: Uint32Array } => !(m instanceof Error));
    for (const m of ok) this.buckets.observe(m.job.spec.op, [m.job.tokenCount]);
    // Records first: a job in a queue always has a record to settle into.
    await this.store.createMany(ok.map((m) => ({ job: m.job, tokens: packTokens(m.tokens) })));
    try {
      await this.queues.enqueueMany(ok.map(({ job }) => ({ queue: job.queue, bucket: job.bucket, spec: job.spec, entry: entryOf(job) })));
    } catch (err) {
      await this.store
        .transitionMany(ok.map((m) => ({ tenant, id: m.job.id, from: ['QUEUED'] as const, to: 'FAILED' as const, fields: { error: 'could not be queued' } })))
        .catch(() => undefined);
      throw err;
    }
    return measured.map((m) =>
      m instanceof Error ? m : { ...m.job, state: 'QUEUED', seq: 1, attempts: 0, error: '', startedAt: 0, finishedAt: 0, kernelSeconds: 0, workerId: '', batchId: '', cost: 0 },
    );
  }
}

/** A new job's first queue entry. */
function entryOf(job: NewJob): PendingEntry {
  return { tenant: job.tenant, id: job.id, length: job.tokenCount, priority: job.priority, queuedAt: job.createdAt, attempts: 0, maxAttempts: job.maxAttempts };
}
