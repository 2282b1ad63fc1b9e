import { randomUUID } from 'node:crypto';
import type { JobStore, JobRecord, NewJob } from '../jobs/index.js';
import { packTokens } from '@nightshift/proto';
import { encodeEntry, type PendingEntry, type QueueSet } from '../queueing/index.js';
import type { ValidJobSpec } from '../api/requests.js';
import * as grpc from '@grpc/grpc-js';
import { ApiError, exhausted, invalid } from '../api/api-error.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import type { BucketPlan } from '../batching/index.js';
import type { Tokenizer } from './tokenizer.js';
import type { Quoter, WindowQuote } from '../pricing/index.js';
import type { Guardrails } from '../guardrails/index.js';
import type { Created } from '../jobs/index.js';

/**
 * Admission: measure the job's tokens, price it, hold it to its tenant's
 * limits, write its record and queue it in its queue and bucket.
 */
export class Admission {
  constructor(
    private readonly store: JobStore,
    private readonly queues: QueueSet,
    private readonly tokenizer: Tokenizer,
    private readonly config: SchedulerConfig['jobs'],
    private readonly buckets: BucketPlan,
    private readonly quoter: Quoter,
    private readonly guardrails: Guardrails,
    /** Jobs waiting for a batch now, all tenants together (as last counted), and the most allowed. */
    private readonly queued: () => { jobs: number; limit: number; drainSeconds: number },
  ) {}

  /** A job's tokens, checked against the tenant's limit per job. */
  private async measure(v: ValidJobSpec, max: number): Promise<Uint32Array | Error> {
    const tokens = 'text' in v.payload ? await this.tokenizer.encode(v.payload.text) : v.payload.tokens;
    if (tokens.length > max) {
      return invalid(`job.${'text' in v.payload ? 'text' : 'tokens'}: ${tokens.length} tokens, above the limit of ${max} per job`);
    }
    return tokens;
  }

  /** What a job would cost, in every window, without admitting it. */
  async quote(tenant: string, v: ValidJobSpec): Promise<{ tokenCount: number; bucket: string; windows: WindowQuote[] }> {
    const tokens = await this.measure(v, this.guardrails.limits(tenant).maxTokensPerJob);
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
   * Admits several jobs with two round trips in all: the records, with the tenant's rate and
   * budget checked and the quotes reserved in the same script, then the queue entries. Each job
   * gets its record or its own error, in order.
   */
  async admitMany(tenant: string, specs: readonly ValidJobSpec[]): Promise<Array<JobRecord | Error>> {
    const createdAt = Date.now();
    const q = this.queued();
    if (q.jobs >= q.limit) {
      const full = exhausted(`the queue holds ${q.jobs} jobs, at its limit of ${q.limit}; retry once it drains`, Math.max(1, q.drainSeconds));
      return specs.map(() => full);
    }
    const maxTokens = this.guardrails.limits(tenant).maxTokensPerJob;
    const measured = await Promise.all(
      specs.map(async (v): Promise<{ job: NewJob; tokens: Uint32Array; price: number } | Error> => {
        const tokens = await this.measure(v, maxTokens);
        if (tokens instanceof Error) return tokens;
        const { queue, bucket } = this.buckets.place(v.spec.op, tokens.length);
        // The cheapest window: where it runs until windows defer work.
        const quote = this.quoter.quote(v.spec.op, tokens.length, bucket)[0];
        if (v.maxCost > 0 && quote && quote.price > v.maxCost) {
          return new ApiError(
            grpc.status.FAILED_PRECONDITION,
            `job.max_cost: quoted ${usd(quote.price)} (${quote.window}), above its max_cost of ${usd(v.maxCost)} by ${usd(quote.price - v.maxCost)}`,
          );
        }
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
          quote,
        };
        job.entry = encodeEntry(entryOf(job));
        return { job, tokens, price: quote?.price ?? 0 };
      }),
    );
    const measuredOk = measured.filter((m): m is { job: NewJob; tokens: Uint32Array; price: number } => !(m instanceof Error));
    // Records first, limits checked with them: a job in a queue always has a record to settle into.
    const limits = this.guardrails.admissionLimits(tenant);
    const created = await this.store.createMany(measuredOk.map((m) => ({ job: m.job, tokens: packTokens(m.tokens), price: m.price })), limits);
    const refused = new Map<string, Error>();
    measuredOk.forEach((m, i) => {
      const c = created[i]!;
      if (!c.ok) refused.set(m.job.id, this.refusal(tenant, m, c, limits.budget));
    });
    const ok = measuredOk.filter((m) => !refused.has(m.job.id));
    for (const m of ok) this.buckets.observe(m.job.spec.op, [m.job.tokenCount]);
    try {
      await this.queues.enqueueMany(ok.map(({ job }) => ({ queue: job.queue, bucket: job.bucket, spec: job.spec, entry: entryOf(job) })));
    } catch (err) {
      await this.store
        .transitionMany(ok.map((m) => ({ tenant, id: m.job.id, from: ['QUEUED'] as const, to: 'FAILED' as const, fields: { error: 'could not be queued' } })))
        .catch(() => undefined);
      throw err;
    }
    if (limits.budget > 0 && ok.length) void this.guardrails.checkBudget(tenant).catch(() => undefined);
    return measured.map((m) => {
      if (m instanceof Error) return m;
      return refused.get(m.job.id) ?? {
        ...m.job, state: 'QUEUED', seq: 1, attempts: 0, error: '', startedAt: 0, finishedAt: 0, kernelSeconds: 0, workerId: '', batchId: '', cost: 0,
      };
    });
  }

  /** Why the record script refused a job, with which limit and by how much. */
  private refusal(tenant: string, m: { job: NewJob; price: number }, c: Exclude<Created, { ok: true }>, budget: number): Error {
    switch (c.reason) {
      case 'rate': {
        const per = this.guardrails.limits(tenant).tokensPerMinute;
        return exhausted(`tenant ${tenant} is limited to ${per} tokens a minute: this job's ${m.job.tokenCount} tokens must wait ${(c.retryAfterMs / 1000).toFixed(1)} s for the bucket to refill`, c.retryAfterMs / 1000);
      }
      case 'budget': {
        const p = this.guardrails.period(tenant);
        const over = c.spent + c.reserved + m.price - budget;
        return exhausted(
          `tenant ${tenant}'s budget for ${p.id} is ${usd(budget)}: spent ${usd(c.spent)} and reserved ${usd(c.reserved)}; this job's ${usd(m.price)} would pass it by ${usd(over)}`,
          Math.max(1, (p.end - Date.now()) / 1000),
        );
      }
      case 'exists':
        return new ApiError(grpc.status.ALREADY_EXISTS, `job ${m.job.id} exists already`);
    }
  }
}

/** Dollars as the API's messages show them: enough digits for sub-cent job prices. */
function usd(v: number): string {
  return `$${v >= 1 ? v.toFixed(2) : v.toPrecision(3)}`;
}

/** A new job's first queue entry. */
function entryOf(job: NewJob): PendingEntry {
  return { tenant: job.tenant, id: job.id, length: job.tokenCount, priority: job.priority, queuedAt: job.createdAt, attempts: 0, maxAttempts: job.maxAttempts };
}
