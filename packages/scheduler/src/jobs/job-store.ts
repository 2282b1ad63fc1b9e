import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';
import { JOB_STATES, type JobState } from './job-state.js';
import { Keys } from './keys.js';
import { SlotBatch } from '../redis/index.js';
import { encodePlan, encodeResult, parseRecord, resultKind, type JobRecord, type NewJob } from './job-record.js';

const lua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nsCreateJobs(...args: (string | number | Buffer)[]): Result<number[], Context>;
    nsTransitionBuffer(...args: (string | number | Buffer)[]): Result<Array<Array<number | Buffer>>, Context>;
    nsTakeRate(key: string, now: number, perMinute: number, take: number): Result<string, Context>;
  }
}

export interface Transition {
  tenant: string;
  id: string;
  from: readonly JobState[];
  to: JobState;
  /** Fields of the record to set with the move; a name starting with "+" adds to a number field instead. */
  fields?: Record<string, string | number | Buffer>;
  /** Count this move as the start of an attempt. */
  countAttempt?: boolean;
  /** Take the job's last attempt back (its worker was preempted: not the job's fault). */
  returnAttempt?: boolean;
  /** Move a QUEUED job only if its attempts are these (see transition.lua). */
  ifAttempts?: number;
  /** Move a RUNNING job only if it is in this batch. */
  ifBatch?: string;
  /** Return the job's tokens with the move (to run it). */
  withTokens?: boolean;
}

export type TransitionResult =
  | { ok: true; seq: number; attempts: number; tokens?: Buffer }
  | { ok: false; reason: 'state'; state: JobState }
  | { ok: false; reason: 'missing' };

/** What admission checks a tenant's jobs against, in the same script that creates them. */
export interface AdmissionLimits {
  /** 0: no rate limit. */
  tokensPerMinute: number;
  /** Dollars; 0: no budget. */
  budget: number;
  /** The current budget period, and how long to keep its ledger. */
  periodId: string;
  ledgerTtlSeconds: number;
  /** Jobs the tenant may have waiting, QUEUED and DEFERRED together. */
  maxQueuedJobs: number;
  /** Tokens its unfinished jobs may hold; 0: no limit. */
  maxTokensHeld: number;
}

export type Created =
  | { ok: true }
  | { ok: false; reason: 'exists' }
  | { ok: false; reason: 'idempotent'; id: string }
  | { ok: false; reason: 'rate'; retryAfterMs: number }
  | { ok: false; reason: 'budget'; spent: number; reserved: number }
  | { ok: false; reason: 'queued'; jobs: number }
  | { ok: false; reason: 'held'; tokens: number };

export interface ListPage {
  jobs: JobRecord[];
  /** (index score, id) of the last job returned, when there may be more. */
  next?: { score: number; id: string };
}

/**
 * nightshift's job records in Redis: created at admission, moved between
 * states by one Lua script each, read by the API. BullMQ's keys are never
 * touched here.
 */
export class JobStore {
  readonly keys: Keys;

  constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly opts: {
      retentionSeconds: number;
      eventsMaxLen: number;
      /** The id of the tenant's current budget period: where the cost of settled work is added. */
      periodOf: (tenant: string) => string;
    },
  ) {
    this.keys = new Keys(prefix);
    // Without numberOfKeys each call passes its own key count first: it grows with the jobs.
    redis.defineCommand('nsCreateJobs', { lua: lua('create-jobs') });
    redis.defineCommand('nsTransition', { lua: lua('transition') });
    redis.defineCommand('nsTakeRate', { lua: lua('take-rate'), numberOfKeys: 1 });
  }

  /** The index score: creation time in µs, with a random tail so that bulk submissions rarely tie. */
  static sortScore(createdAt: number): number {
    return createdAt * 1000 + Math.floor(Math.random() * 1000);
  }

  /**
   * Admits several jobs of one tenant: each is checked against the tenant's rate and budget, its
   * quote reserved and its record created, in one script call per shared spec, all in one round
   * trip. Jobs of one admission share their spec, priority and attempts: sent once.
   */
  async createMany(
    jobs: ReadonlyArray<{ job: NewJob; tokens: Buffer; price: number }>,
    limits: AdmissionLimits,
    /** Noted (ZADD) in the same round trip, before the records: see UnqueuedJournal. */
    journal?: { key: string; members: string[] },
  ): Promise<Created[]> {
    if (jobs.length === 0) return [];
    const k = this.keys;
    const batch = new SlotBatch(this.redis);
    const at = Date.now();
    const noted = journal && journal.members.length ? batch.add(journal.key, (p) => p.zadd(journal.key, ...journal.members.flatMap((m) => [at, m]))) : -1;
    const groups = groupBy(
      jobs.map((j, i) => ({ ...j, i })),
      (j) => `${j.job.tenant}\n${JSON.stringify(j.job.spec)}\n${j.job.priority}\n${j.job.maxAttempts}`,
    );
    const createdAt = jobs[0]!.job.createdAt;
    // Added after the scripts, so that the scripts' replies keep their places.
    const tenants = [...new Set(jobs.map((j) => j.job.tenant))];
    for (const list of groups.values()) {
      const { tenant, spec, priority, maxAttempts } = list[0]!.job;
      const shared = JSON.stringify({ tenant, spec: JSON.stringify(spec), priority: String(priority), maxAttempts: String(maxAttempts) });
      const args: Array<string | number | Buffer> = [
        String(createdAt), this.opts.eventsMaxLen, shared,
        limits.tokensPerMinute, limits.budget, limits.periodId, limits.ledgerTtlSeconds, this.opts.retentionSeconds,
        limits.maxQueuedJobs, limits.maxTokensHeld,
      ];
      for (const { job, tokens, price } of list) {
        const score = String(JobStore.sortScore(job.createdAt));
        const own: Record<string, string> = {
          id: job.id, sortKey: score, clientRef: job.clientRef, tokenCount: String(job.tokenCount), bucket: job.bucket, queue: job.queue, entry: job.entry,
          deadline: String(job.deadline), placement: job.placement, state: job.state, alonePrice: String(job.alonePrice),
        };
        if (job.quote) own.quote = JSON.stringify(job.quote);
        if (job.plan) own.plan = encodePlan(job.plan);
        if (job.cachedResult) own.resultKind = resultKind(job.cachedResult);
        args.push(JSON.stringify(own), tokens, score, String(price), job.cachedResult ? encodeResult(job.cachedResult) : '');
      }
      const records = list.map((j) => k.job(tenant, j.job.id));
      batch.add(k.jobs(tenant), (p) =>
        p.nsCreateJobs(
          8 + 2 * list.length,
          k.jobs(tenant), k.state(tenant, 'QUEUED'), k.events(tenant), k.rate(tenant), k.ledger(tenant, limits.periodId), k.state(tenant, 'DEFERRED'),
          k.state(tenant, 'SUCCEEDED'), k.held(tenant),
          ...records,
          ...list.map((j, n) => (j.job.idempotencyKey ? k.idempotency(tenant, j.job.idempotencyKey) : records[n]!)),
          ...args,
        ),
      );
    }
    batch.add(k.tenants(), (p) => p.sadd(k.tenants(), ...tenants));
    const replies = await batch.exec();
    if (noted >= 0 && replies[noted]![0]) throw replies[noted]![0];
    const created = new Array<Created>(jobs.length);
    [...groups.values()].forEach((list, g) => {
      const [err, reply] = replies[g + (noted >= 0 ? 1 : 0)]!;
      if (err) throw err;
      list.forEach((j, n) => (created[j.i] = createdResult((reply as Array<number | Array<number | string | Buffer>>)[n]!)));
    });
    return created;
  }

  /** Several moves, one script call per tenant, all in one round trip. */
  async transitionMany(moves: readonly Transition[]): Promise<TransitionResult[]> {
    if (moves.length === 0) return [];
    const batch = new SlotBatch(this.redis);
    const now = Date.now();
    const groups = groupBy(moves.map((m, i) => ({ m, i })), (x) => x.m.tenant);
    for (const [tenant, list] of groups) {
      const args: Array<string | number | Buffer> = [
        String(now), this.opts.eventsMaxLen, this.opts.retentionSeconds,
        this.keys.ledger(tenant, this.opts.periodOf(tenant)), this.keys.ledgerPrefix(tenant),
      ];
      for (const { m } of list) {
        const final = m.to === 'SUCCEEDED' || m.to === 'FAILED' || m.to === 'CANCELLED';
        const fields: Record<string, string> = {};
        if (m.to === 'RUNNING') fields.startedAt = String(now);
        if (final) fields.finishedAt = String(now);
        let result: Buffer | string = '';
        for (const [f, v] of Object.entries(m.fields ?? {})) {
          if (f === 'result') result = v as Buffer;
          else fields[f] = String(v);
        }
        args.push(`${m.from.join(',')}|${m.to}|${m.countAttempt ? 1 : m.returnAttempt ? -1 : 0}|${m.ifAttempts ?? -1}|${m.ifBatch ?? ''}|${m.withTokens ? 1 : 0}`, JSON.stringify(fields), result);
      }
      const records = list.map(({ m }) => this.keys.job(tenant, m.id));
      batch.add(this.keys.events(tenant), (p) => p.nsTransitionBuffer(2 + JOB_STATES.length + list.length, this.keys.events(tenant), ...this.keys.states(tenant), this.keys.held(tenant), ...records, ...args));
    }
    const replies = await batch.exec();
    const results = new Array<TransitionResult>(moves.length);
    [...groups.values()].forEach((list, g) => {
      const [err, reply] = replies[g]!;
      if (err) throw err;
      list.forEach(({ i }, n) => (results[i] = transitionResult((reply as Array<Array<number | Buffer>>)[n]!)));
    });
    return results;
  }

  async transition(move: Transition): Promise<TransitionResult> {
    return (await this.transitionMany([move]))[0]!;
  }

  /**
   * The tenant's token bucket now (see create-jobs.lua), after taking `take` tokens from it for
   * work done on refused jobs; it may be below 0, in debt (see take-rate.lua). Only for a tenant
   * with a token rate.
   */
  async takeRate(tenant: string, perMinute: number, take = 0): Promise<number> {
    return Number(await this.redis.nsTakeRate(this.keys.rate(tenant), Date.now(), perMinute, Math.ceil(take)));
  }

  /** Every tenant that has submitted a job. */
  async tenants(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.tenants())).sort();
  }

  /** How many jobs each tenant holds in each state now (final ones until their retention ends): one pipelined read. */
  async countByState(tenants: readonly string[]): Promise<Array<Record<JobState, number>>> {
    const batch = new SlotBatch(this.redis);
    for (const t of tenants) for (const key of this.keys.states(t)) batch.add(key, (p) => p.zcard(key));
    const counts = (await batch.exec()).map(([, n]) => Number(n ?? 0));
    return tenants.map((_, i) => Object.fromEntries(JOB_STATES.map((s, j) => [s, counts[i * JOB_STATES.length + j]!])) as Record<JobState, number>);
  }

  async get(tenant: string, id: string, withResult = true): Promise<JobRecord | null> {
    const key = this.keys.job(tenant, id);
    if (withResult) return parseRecord(await this.redis.hgetallBuffer(key));
    return (await this.getMany(tenant, [id], false))[0] ?? null;
  }

  async getMany(tenant: string, ids: readonly string[], withResult: boolean): Promise<Array<JobRecord | null>> {
    if (ids.length === 0) return [];
    const pipe = this.redis.pipeline();
    for (const id of ids) {
      if (withResult) pipe.hgetallBuffer(this.keys.job(tenant, id));
      else pipe.hmgetBuffer(this.keys.job(tenant, id), ...RECORD_FIELDS);
    }
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([err, reply]) => {
      if (err) throw err;
      if (withResult) return parseRecord(reply as Record<string, Buffer>);
      const values = reply as Array<Buffer | null>;
      const h: Record<string, Buffer> = {};
      RECORD_FIELDS.forEach((f, i) => {
        const v = values[i];
        if (v) h[f] = v;
      });
      return parseRecord(h);
    });
  }

  /** The records (without results) of jobs of any tenants, by id; missing ones are left out. One read per tenant, at once. */
  async getAcross(jobs: ReadonlyArray<{ tenant: string; id: string }>): Promise<Map<string, JobRecord>> {
    const byTenant = groupBy(jobs, (j) => j.tenant);
    const read = await Promise.all([...byTenant].map(([tenant, list]) => this.getMany(tenant, list.map((j) => j.id), false)));
    return new Map(read.flat().filter((r): r is JobRecord => r !== null).map((r) => [r.id, r]));
  }

  /** The tenant's jobs (oldest first) in the given states, after a cursor. */
  async list(tenant: string, states: readonly JobState[], pageSize: number, after?: { score: number; id: string }): Promise<ListPage> {
    const sets = states.length ? states.map((s) => this.keys.state(tenant, s)) : [this.keys.jobs(tenant)];
    const min = after ? String(after.score) : '-inf';
    const pipe = this.redis.pipeline();
    // Over-fetch a little: entries tied with the cursor's score are filtered out below.
    for (const key of sets) pipe.zrangebyscore(key, min, '+inf', 'WITHSCORES', 'LIMIT', 0, pageSize + 1 + 32);
    const replies = (await pipe.exec()) ?? [];
    const entries: Array<{ id: string; score: number }> = [];
    for (const [err, reply] of replies) {
      if (err) throw err;
      const flat = reply as string[];
      for (let i = 0; i < flat.length; i += 2) entries.push({ id: flat[i]!, score: Number(flat[i + 1]) });
    }
    const later = entries
      .filter((e) => !after || e.score > after.score || (e.score === after.score && e.id > after.id))
      .sort((a, b) => a.score - b.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const page = later.slice(0, pageSize);
    const records = await this.getMany(tenant, page.map((e) => e.id), false);
    const gone = page.filter((_, i) => !records[i]).map((e) => e.id);
    if (gone.length) {
      // Records expire after their retention; their index entries go lazily.
      const clean = this.redis.pipeline();
      for (const key of [this.keys.jobs(tenant), ...this.keys.states(tenant)]) clean.zrem(key, ...gone);
      await clean.exec();
    }
    const last = page.at(-1);
    return {
      jobs: records.filter((r): r is JobRecord => r !== null),
      ...(later.length > pageSize && last ? { next: last } : {}),
    };
  }
}

function groupBy<T>(items: readonly T[], key: (t: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const t of items) {
    const k = key(t);
    const list = groups.get(k);
    if (list) list.push(t);
    else groups.set(k, [t]);
  }
  return groups;
}

function createdResult(r: number | Array<number | string | Buffer>): Created {
  if (r === 1) return { ok: true };
  if (r === 0 || !Array.isArray(r)) return { ok: false, reason: 'exists' };
  if (Number(r[0]) === -3) return { ok: false, reason: 'idempotent', id: String(r[1]) };
  if (Number(r[0]) === -1) return { ok: false, reason: 'rate', retryAfterMs: Number(r[1]) };
  if (Number(r[0]) === -4) return { ok: false, reason: 'queued', jobs: Number(r[1]) };
  if (Number(r[0]) === -5) return { ok: false, reason: 'held', tokens: Number(r[1]) };
  return { ok: false, reason: 'budget', spent: Number(r[1]), reserved: Number(r[2]) };
}

function transitionResult(r: Array<number | Buffer>): TransitionResult {
  const n = (v: number | Buffer | undefined) => Number(v instanceof Buffer ? v.toString() : v);
  if (n(r[0]) === -2) return { ok: false, reason: 'missing' };
  if (n(r[0]) === -1) return { ok: false, reason: 'state', state: String(r[1]) as JobState };
  const done: TransitionResult = { ok: true, seq: n(r[0]), attempts: n(r[1]) };
  if (r[2] instanceof Buffer) done.tokens = r[2];
  return done;
}

const RECORD_FIELDS = [
  'id', 'tenant', 'spec', 'state', 'seq', 'priority', 'clientRef', 'tokenCount', 'bucket', 'queue',
  'attempts', 'maxAttempts', 'error', 'createdAt', 'startedAt', 'finishedAt', 'kernelSeconds', 'workerId', 'batchId', 'entry', 'quote', 'cost',
  'deadline', 'plan', 'placement', 'preemptions', 'cached', 'alonePrice',
] as const;
