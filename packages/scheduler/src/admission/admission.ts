import { randomUUID } from 'node:crypto';
import type { JobStore, JobRecord, NewJob } from '../jobs/index.js';
import { packTokens } from '@nightshift/proto';
import { decodeEntry, encodeEntry, spotQueueOf, type QueueSet } from '../queueing/index.js';
import { MAX_AHEAD_SECONDS, type ValidJobSpec } from '../api/requests.js';
import * as grpc from '@grpc/grpc-js';
import { ApiError, exhausted, invalid } from '../api/api-error.js';
import type { SchedulerConfig } from '../config/scheduler-config.js';
import type { BucketPlan } from '../batching/index.js';
import { TokenizerBusy, type Tokenizer } from '@nightshift/tokenizer';
import { usd, type Quoter, type WindowQuote } from '../pricing/index.js';
import type { Guardrails } from '../guardrails/index.js';
import type { AdmissionLimits, Created } from '../jobs/index.js';
import { place, type DeferralPolicy, type DeferredLoad } from '../windows/index.js';
import type { Clock } from '../clock/index.js';
import type { ResultCache } from '../cache/index.js';
import { UnqueuedJournal } from './unqueued-journal.js';
import { QueueRoom, type QueueReading } from './queue-room.js';

/** A count of the queue at least this old (ms) is read again when a group does not fit for this process's own admissions. */
const RECOUNT_MS = 25;

/** A job measured and quoted, not yet placed. */
interface Measured {
  tenant: string;
  v: ValidJobSpec;
  tokens: Uint32Array;
  queue: string;
  bucket: string;
  quotes: WindowQuote[];
  deadline: number;
  /** The tokens as the record keeps them, and the job's key in the result cache. */
  packed: Buffer;
  cacheKey: string;
  /** Its result, when the cache holds one. */
  cached?: Uint32Array | Float32Array;
}

interface Placed {
  job: NewJob;
  packed: Buffer;
  /** Its tokens came from a text: admission tokenized it. */
  fromText: boolean;
}

/**
 * Admission: measure the job's tokens, price it in every window, place it
 * (now, or deferred to a cheaper window before its deadline), hold it to its
 * tenant's limits at the price of its placement, write its record, and queue
 * it in its queue and bucket or hold it for its window.
 */
export class Admission {
  private readonly room = new QueueRoom();

  constructor(
    private readonly store: JobStore,
    private readonly queues: QueueSet,
    private readonly tokenizer: Tokenizer,
    private readonly config: SchedulerConfig['jobs'],
    private readonly buckets: BucketPlan,
    private readonly quoter: Quoter,
    private readonly guardrails: Guardrails,
    private readonly cache: ResultCache,
    /** Where jobs are noted between their record and their queue entry. */
    private readonly journal: UnqueuedJournal,
    /** Jobs waiting for a batch now, all tenants together (as last counted), and the most allowed; and a count now. */
    private readonly queue: { read(): QueueReading & { drainSeconds: number }; recount(): Promise<void> },
    /** Deferral: its policy, the work planned per window, and the clock windows are read by. */
    private readonly windows: { policy: DeferralPolicy; load: DeferredLoad; clock: Clock; deferredUntil(at: number): void },
  ) {}

  /**
   * A job's tokens, checked against the tenant's limit per job. A text is tokenized only up to
   * the limit; the tokens counted for one refused are added to `wasted`, to charge to the tenant.
   */
  private async measure(tenant: string, v: ValidJobSpec, max: number, wasted: { tokens: number }): Promise<Uint32Array | Error> {
    if (!('text' in v.payload)) {
      const n = v.payload.tokens.length;
      return n > max ? invalid(`job.tokens: ${n} tokens, above the limit of ${max} per job`) : v.payload.tokens;
    }
    const bytesPerToken = this.config.maxBytesPerToken;
    let tokens;
    try {
      tokens = await this.tokenizer.encode(v.payload.text, max, { owner: tenant, bytesPerToken });
    } catch (err) {
      if (!(err instanceof TokenizerBusy)) throw err;
      return exhausted(`tenant ${tenant} has ${err.waiting} long texts waiting to be tokenized, as many as one tenant may (tokenizerQueuePerTenant); retry once they are done`, 1);
    }
    if (tokens instanceof Uint32Array) return tokens;
    wasted.tokens += tokens.counted;
    return invalid(
      tokens.counted
        ? `job.text: more than ${max} tokens (counting stopped at ${tokens.counted}), above the limit of ${max} per job`
        : `job.text: ${Buffer.byteLength(v.payload.text)} bytes, more than the ${max * bytesPerToken} bytes allowed for ${max} tokens (jobs.maxBytesPerToken: ${bytesPerToken}), above the limit of ${max} tokens per job`,
    );
  }

  /**
   * Tokenizing a long text costs the server more than a round trip: a tenant with a token rate
   * whose bucket is empty, or in debt from texts it sent that were refused, is refused before
   * any of its texts is tokenized.
   */
  private async refuseLongTexts(tenant: string, specs: readonly ValidJobSpec[]): Promise<Error | undefined> {
    const per = this.guardrails.limits(tenant).tokensPerMinute;
    if (per <= 0 || !specs.some((v) => 'text' in v.payload && v.payload.text.length >= this.tokenizer.inlineChars)) return undefined;
    const level = await this.store.takeRate(tenant, per);
    if (level >= 1) return undefined;
    const wait = ((1 - level) * 60) / per;
    return exhausted(
      `tenant ${tenant} is limited to ${per} tokens a minute, and its bucket is ${level < 0 ? `in debt by ${Math.ceil(-level)} tokens` : 'empty'} (texts it sent that were refused are charged): long texts are refused untokenized for ${wait.toFixed(1)} s`,
      Math.max(1, wait),
    );
  }

  /** Charges tokenizing done for texts that were then refused to the tenant's token rate. */
  private async charge(tenant: string, tokens: number): Promise<void> {
    const per = this.guardrails.limits(tenant).tokensPerMinute;
    if (per > 0 && tokens > 0) await this.store.takeRate(tenant, per, tokens);
  }

  /** What a job would cost, in every window, without admitting it. */
  async quote(tenant: string, v: ValidJobSpec): Promise<{ tokenCount: number; bucket: string; windows: WindowQuote[] }> {
    const early = await this.refuseLongTexts(tenant, [v]);
    if (early) throw early;
    const wasted = { tokens: 0 };
    const tokens = await this.measure(tenant, v, this.guardrails.limits(tenant).maxTokensPerJob, wasted);
    if (tokens instanceof Error) {
      await this.charge(tenant, wasted.tokens).catch(() => undefined);
      throw tokens;
    }
    const { bucket } = this.buckets.place(v.spec.op, tokens.length);
    return { tokenCount: tokens.length, bucket, windows: this.quoter.quote(v.spec.op, tokens.length, bucket, this.windows.clock.now()) };
  }

  /**
   * Admits several jobs with two round trips in all: the records, with the tenant's jobs waiting,
   * tokens held, rate and budget checked and the quotes reserved in the same script, then the queue
   * entries. Each job gets its record or its own error, in order; past the room left under the
   * global queue limit, the rest of the group is refused.
   */
  async admitMany(tenant: string, specs: readonly ValidJobSpec[]): Promise<Array<JobRecord | Error>> {
    // Room in the queue, taken now, before any await: only what fits is admitted, in order.
    let q = this.queue.read();
    let room = this.room.take(q, specs.length);
    if (room.granted < specs.length && room.unconfirmed > 0 && Date.now() - q.readFrom >= RECOUNT_MS) {
      // Short of room partly for jobs this process admitted since the count, which may have left the queue: count again.
      room.done(0);
      await this.queue.recount().catch(() => undefined);
      q = this.queue.read();
      room = this.room.take(q, specs.length);
    }
    const full = () => exhausted(`the queue holds ${room.holding} jobs, at its limit of ${q.limit}; retry once it drains`, Math.max(1, q.drainSeconds));
    const group = { queued: 0, atShare: undefined as Error | undefined };
    try {
      if (room.granted === 0) {
        const refusal = full();
        return specs.map(() => refusal);
      }
      const early = await this.refuseLongTexts(tenant, specs);
      if (early) return specs.map(() => early);
      const admitted = await this.admitWithin(tenant, specs.slice(0, room.granted), group);
      // Past the room: refused as the queue is full, or, when the tenant reached its own share, as that.
      if (room.granted === specs.length) return admitted;
      const rest = group.atShare ?? full();
      return [...admitted, ...specs.slice(room.granted).map(() => rest)];
    } finally {
      room.done(group.queued);
    }
  }

  /**
   * admitMany, for jobs the queue has room for. `group` is told how many went into the queue, and
   * the refusal of the first job refused for the tenant's share of the queue.
   */
  private async admitWithin(tenant: string, specs: readonly ValidJobSpec[], group: { queued: number; atShare: Error | undefined }): Promise<Array<JobRecord | Error>> {
    const createdAt = Date.now();
    const now = this.windows.clock.now();
    const maxTokens = this.guardrails.limits(tenant).maxTokensPerJob;
    const wasted = { tokens: 0 };
    const measured = await Promise.all(specs.map((v) => this.measureAndQuote(tenant, v, maxTokens, now, wasted)));
    const hits = await this.cache.lookup(measured.map((m) => (m instanceof Error ? '' : m.cacheKey)));
    measured.forEach((m, i) => {
      if (!(m instanceof Error) && hits[i]) m.cached = hits[i];
    });
    // Place each job (now, or deferred to a cheaper window), in order: each deferral takes room in its window.
    if (measured.some((m) => !(m instanceof Error) && m.deadline > 0)) await this.windows.load.refresh();
    const placed = measured.map((m) => (m instanceof Error ? m : this.placeOne(tenant, m, createdAt)));
    const ok = placed.filter((m): m is Placed => !(m instanceof Error));
    // Records first, limits checked with them: a job in a queue always has a record to settle into.
    const limits = this.guardrails.admissionLimits(tenant);
    const noted = ok.filter((m) => !m.job.cachedResult).map((m) => UnqueuedJournal.member(tenant, m.job.id));
    const created = await this.store.createMany(
      ok.map((m) => ({ job: m.job, tokens: m.packed, price: m.job.cachedResult ? 0 : (m.job.quote?.price ?? 0) })),
      limits,
      { key: this.journal.key, members: noted },
    );
    const refused = new Map<string, Error>();
    // A job whose idempotency key names an earlier one: that one is the answer.
    const earlier = new Map<string, string>();
    ok.forEach((m, i) => {
      const c = created[i]!;
      if (c.ok) return;
      if (c.reason === 'idempotent') earlier.set(m.job.id, c.id);
      else refused.set(m.job.id, this.refusal(tenant, m.job, c, limits));
      if (c.reason === 'queued') group.atShare ??= refused.get(m.job.id);
      // A text tokenized, then refused by a limit: the tokenizing was for nothing.
      if (c.reason !== 'idempotent' && c.reason !== 'exists' && m.fromText) wasted.tokens += m.job.tokenCount;
    });
    const [earlierJobs] = await Promise.all([
      this.store.getAcross([...new Set(earlier.values())].map((id) => ({ tenant, id }))),
      // The records are written: a charge that fails must not fail the admission.
      this.charge(tenant, wasted.tokens).catch(() => undefined),
    ]);
    // Cached jobs were created SUCCEEDED: nothing to queue.
    const admitted = ok.filter((m) => !refused.has(m.job.id) && !earlier.has(m.job.id) && !m.job.cachedResult);
    for (const m of admitted) this.buckets.observe(m.job.spec.op, [m.job.tokenCount]);
    const deferred = admitted.filter((m) => m.job.plan);
    try {
      const item = ({ job }: Placed) => ({ queue: job.queue, bucket: job.bucket, spec: job.spec, entry: decodeEntry(job.entry) });
      await Promise.all([
        this.queues.enqueueMany(admitted.filter((m) => !m.job.plan).map(item)),
        this.queues.deferMany(deferred.map((m) => ({ ...item(m), at: m.job.plan!.start }))),
        this.windows.load.persist(deferred.map(({ job }) => ({ window: job.plan!.window, opensAt: job.quote!.opensAt, closesAt: job.quote!.closesAt, seconds: job.quote!.seconds }))),
      ]);
      if (deferred.length) this.windows.deferredUntil(Math.min(...deferred.map((m) => m.job.plan!.start)));
    } catch (err) {
      await this.store
        .transitionMany(admitted.map((m) => ({ tenant, id: m.job.id, from: ['QUEUED', 'DEFERRED'] as const, to: 'FAILED' as const, fields: { error: 'could not be queued' } })))
        .catch(() => undefined);
      throw err;
    }
    group.queued = admitted.length - deferred.length;
    // Queued, or refused: nothing for the sweep. (Left noted if this fails: the sweep finds them queued or absent.)
    await this.journal.done(noted).catch(() => undefined);
    if (limits.budget > 0 && admitted.length) void this.guardrails.checkBudget(tenant).catch(() => undefined);
    return placed.map((m) => {
      if (m instanceof Error) return m;
      const refusal = refused.get(m.job.id);
      if (refusal) return refusal;
      const first = earlier.get(m.job.id);
      // Its record may have expired just now: then the key has too, and a retry creates the job afresh.
      if (first) return earlierJobs.get(first) ?? new ApiError(grpc.status.ABORTED, `job ${first} of this idempotency key has just expired; submit again`);
      return createdRecord(m.job);
    });
  }

  /** Tokens, bucket, quotes and deadline of one job, or why it cannot be admitted. */
  private async measureAndQuote(tenant: string, v: ValidJobSpec, maxTokens: number, now: number, wasted: { tokens: number }): Promise<Measured | Error> {
    const tokens = await this.measure(tenant, v, maxTokens, wasted);
    if (tokens instanceof Error) return tokens;
    const deadline = this.deadlineOf(v, now);
    if (deadline instanceof Error) return deadline;
    const { queue, bucket } = this.buckets.place(v.spec.op, tokens.length);
    const quotes = this.quoter.quote(v.spec.op, tokens.length, bucket, now);
    const packed = packTokens(tokens);
    return { tenant, v, tokens, queue, bucket, quotes, deadline, packed, cacheKey: this.cache.keyOf(tenant, v.spec, packed) };
  }

  /** The job's deadline in ms (0: none), from its deadline and completion window, whichever is earlier. */
  private deadlineOf(v: ValidJobSpec, now: number): number | Error {
    const fromWindow = v.completionWindowSeconds > 0 ? now + v.completionWindowSeconds * 1000 : 0;
    if (v.deadline !== 0) {
      if (v.deadline <= now) return invalid(`job.deadline: ${new Date(v.deadline).toISOString()} is in the past`);
      if (v.deadline > now + MAX_AHEAD_SECONDS * 1000) return invalid(`job.deadline: ${new Date(v.deadline).toISOString()} is more than a year ahead`);
    }
    return v.deadline && fromWindow ? Math.min(v.deadline, fromWindow) : v.deadline || fromWindow;
  }

  /** Now or later: the job's placement, its record-to-be and its first entry. */
  private placeOne(tenant: string, m: Measured, createdAt: number): Placed | Error {
    // Built field by field, not spread from a common part: this runs once per job.
    const job: NewJob = {
      id: randomUUID(), tenant, spec: m.v.spec, priority: m.v.priority, clientRef: m.v.clientRef, tokenCount: m.tokens.length, bucket: m.bucket,
      createdAt, maxAttempts: m.v.maxAttempts || this.config.defaultAttempts, deadline: m.deadline, idempotencyKey: m.v.idempotencyKey,
      cacheKey: m.cacheKey, queue: m.queue, state: 'QUEUED', entry: '', placement: '',
      // Set when it runs, from what its batch took; a cached job never runs, so it is priced here.
      alonePrice: 0,
    };
    if (m.cached) {
      job.alonePrice = this.quoter.alonePrice(m.v.spec.op, m.tokens.length, m.bucket);
      job.state = 'SUCCEEDED';
      job.placement = 'from the result cache: computed before';
      job.cachedResult = m.cached;
      return { job, packed: m.packed, fromText: 'text' in m.v.payload };
    }
    const p = place(m.quotes, m.deadline, this.windows.policy, this.windows.load);
    if (m.v.maxCost > 0 && p.quote && p.quote.price > m.v.maxCost) {
      return new ApiError(
        grpc.status.FAILED_PRECONDITION,
        `job.max_cost: quoted ${usd(p.quote.price)} (${p.quote.window}), above its max_cost of ${usd(m.v.maxCost)} by ${usd(p.quote.price - m.v.maxCost)}`,
      );
    }
    // A deferred job's wait (for aging and the queue delay) starts when its window opens.
    const queuedAt = p.kind === 'defer' ? p.plan.start : createdAt;
    job.entry = encodeEntry({ tenant, id: job.id, length: m.tokens.length, priority: m.v.priority, queuedAt, attempts: 0, maxAttempts: job.maxAttempts });
    if (p.quote) job.quote = p.quote;
    job.placement = p.reason;
    if (p.kind === 'defer') {
      job.state = 'DEFERRED';
      // Work planned on spot capacity waits in the spot queue, which only spot workers take.
      if (p.quote.spot) job.queue = spotQueueOf(m.queue);
      job.plan = p.plan;
      this.windows.load.reserve(p.quote.window, p.quote.opensAt, p.quote.seconds);
    }
    return { job, packed: m.packed, fromText: 'text' in m.v.payload };
  }

  /** Why the record script refused a job, with which limit and by how much. */
  private refusal(tenant: string, job: NewJob, c: Exclude<Created, { ok: true }>, limits: AdmissionLimits): Error {
    const price = job.quote?.price ?? 0;
    const budget = limits.budget;
    switch (c.reason) {
      case 'queued':
        return exhausted(
          `tenant ${tenant} may have ${limits.maxQueuedJobs} jobs waiting (queued or deferred), and has ${c.jobs}; retry once they drain`,
          Math.max(1, this.queue.read().drainSeconds),
        );
      case 'held': {
        const over = c.tokens + job.tokenCount - limits.maxTokensHeld;
        return exhausted(
          `tenant ${tenant}'s unfinished jobs may hold ${limits.maxTokensHeld} tokens, and hold ${c.tokens}; this job's ${job.tokenCount} tokens would pass it by ${over}`,
          Math.max(1, this.queue.read().drainSeconds),
        );
      }
      case 'rate': {
        const per = this.guardrails.limits(tenant).tokensPerMinute;
        return exhausted(`tenant ${tenant} is limited to ${per} tokens a minute: this job's ${job.tokenCount} tokens must wait ${(c.retryAfterMs / 1000).toFixed(1)} s for the bucket to refill`, c.retryAfterMs / 1000);
      }
      case 'budget': {
        const p = this.guardrails.period(tenant);
        const over = c.spent + c.reserved + price - budget;
        return exhausted(
          `tenant ${tenant}'s budget for ${p.id} is ${usd(budget)}: spent ${usd(c.spent)} and reserved ${usd(c.reserved)}; this job's ${usd(price)} would pass it by ${usd(over)}`,
          Math.max(1, (p.end - Date.now()) / 1000),
        );
      }
      case 'exists':
      case 'idempotent':
        return new ApiError(grpc.status.ALREADY_EXISTS, `job ${job.id} exists already`);
    }
  }
}

/** The record a new job was created with, as create-jobs.lua writes it (field by field: a rest-spread of it costs more). */
function createdRecord(job: NewJob): JobRecord {
  const result = job.cachedResult;
  const record: JobRecord = {
    id: job.id, tenant: job.tenant, spec: job.spec, state: job.state, seq: 1, priority: job.priority, clientRef: job.clientRef,
    tokenCount: job.tokenCount, bucket: job.bucket, queue: job.queue, attempts: 0, maxAttempts: job.maxAttempts, error: '',
    createdAt: job.createdAt, startedAt: result ? job.createdAt : 0, finishedAt: result ? job.createdAt : 0, kernelSeconds: 0,
    workerId: '', batchId: '', entry: job.entry, cost: 0, deadline: job.deadline, placement: job.placement, preemptions: 0,
    cached: Boolean(result), alonePrice: job.alonePrice,
  };
  if (job.quote) record.quote = job.quote;
  if (job.plan) record.plan = job.plan;
  if (result) record.result = result;
  return record;
}

/** Dollars as the API's messages show them: enough digits for sub-cent job prices. */
