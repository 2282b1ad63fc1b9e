import { readFileSync } from 'node:fs';
import type { Redis, Result } from 'ioredis';
import type { JobState } from './job-state.js';
import { Keys } from './keys.js';
import { parseRecord, type JobRecord, type NewJob } from './job-record.js';

const lua = (name: string): string => readFileSync(new URL(`./lua/${name}.lua`, import.meta.url), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    nsCreateJob(...args: (string | number | Buffer)[]): Result<number, Context>;
    nsTransition(...args: (string | number | Buffer)[]): Result<[number, number | string] | [number], Context>;
  }
}

export interface Transition {
  tenant: string;
  id: string;
  from: readonly JobState[];
  to: JobState;
  /** Fields of the record to set with the move. */
  fields?: Record<string, string | number | Buffer>;
  /** Count this move as the start of an attempt. */
  countAttempt?: boolean;
}

export type TransitionResult =
  | { ok: true; seq: number; attempts: number }
  | { ok: false; reason: 'state'; state: JobState }
  | { ok: false; reason: 'missing' };

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
    private readonly opts: { retentionSeconds: number; eventsMaxLen: number },
  ) {
    this.keys = new Keys(prefix);
    redis.defineCommand('nsCreateJob', { numberOfKeys: 4, lua: lua('create-job') });
    redis.defineCommand('nsTransition', { numberOfKeys: 7, lua: lua('transition') });
  }

  /** The index score: creation time in µs, with a random tail so that bulk submissions rarely tie. */
  static sortScore(createdAt: number): number {
    return createdAt * 1000 + Math.floor(Math.random() * 1000);
  }

  /** Creates several records in one round trip; true for each that was created. */
  async createMany(jobs: readonly NewJob[]): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    const k = this.keys;
    const pipe = this.redis.pipeline();
    for (const job of jobs) {
      pipe.nsCreateJob(
        k.job(job.tenant, job.id),
        k.jobs(job.tenant),
        k.state(job.tenant, 'QUEUED'),
        k.events(job.tenant),
        job.id,
        String(job.createdAt),
        String(JobStore.sortScore(job.createdAt)),
        this.opts.eventsMaxLen,
        ...['id', job.id, 'tenant', job.tenant, 'spec', JSON.stringify(job.spec), 'priority', job.priority, 'clientRef', job.clientRef],
        ...['tokenCount', job.tokenCount, 'bucket', job.bucket, 'queue', job.queue, 'maxAttempts', job.maxAttempts],
      );
    }
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([err, reply]) => {
      if (err) throw err;
      return reply === 1;
    });
  }

  /** Several moves in one round trip. */
  async transitionMany(moves: readonly Transition[]): Promise<TransitionResult[]> {
    if (moves.length === 0) return [];
    const pipe = this.redis.pipeline();
    const now = Date.now();
    for (const m of moves) {
      const final = m.to === 'SUCCEEDED' || m.to === 'FAILED' || m.to === 'CANCELLED';
      const fields = { ...(m.to === 'RUNNING' ? { startedAt: now } : {}), ...(final ? { finishedAt: now } : {}), ...m.fields };
      pipe.nsTransition(
        this.keys.job(m.tenant, m.id),
        this.keys.events(m.tenant),
        ...this.keys.states(m.tenant),
        m.from.join(','),
        m.to,
        String(now),
        this.opts.eventsMaxLen,
        this.opts.retentionSeconds,
        m.countAttempt ? 1 : 0,
        ...Object.entries(fields).flat(),
      );
    }
    const replies = (await pipe.exec()) ?? [];
    return replies.map(([err, reply]) => {
      if (err) throw err;
      const r = reply as [number, number | string] | [number];
      if (r[0] === -2) return { ok: false, reason: 'missing' };
      if (r[0] === -1) return { ok: false, reason: 'state', state: r[1] as JobState };
      return { ok: true, seq: Number(r[0]), attempts: Number(r[1]) };
    });
  }

  async transition(move: Transition): Promise<TransitionResult> {
    return (await this.transitionMany([move]))[0]!;
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

const RECORD_FIELDS = [
  'id', 'tenant', 'spec', 'state', 'seq', 'priority', 'clientRef', 'tokenCount', 'bucket', 'queue',
  'attempts', 'maxAttempts', 'error', 'createdAt', 'startedAt', 'finishedAt', 'kernelSeconds', 'workerId', 'batchId',
] as const;
