import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { throttled, type Logger } from '@nightshift/proto';
import { encodeResult, resultKind, type JobStore, type Transition } from '../jobs/index.js';
import { decodeEntry, encodeEntry, onDemandQueueOf, poolOf, type BatchJobData, type PendingEntry, type Pool, type QueueSet } from '../queueing/index.js';
import { BatchFormer, paddedTokens, type ClosingPolicy } from '../batching/index.js';
import { aloneSeconds, predictSeconds, type Billing, type CostModels } from '../pricing/index.js';
import type { SpotJob } from '../windows/index.js';
import type { ResultCache } from '../cache/index.js';
import type { LockKeeper } from './lock-keeper.js';
import type { BatchNeeds, SlotBid, WorkerPool, WorkerSlot } from './worker-pool.js';
import { batchRequest } from './batch-request.js';
import { planSettlement, type Settlement } from './settle-plan.js';
import type { FairShare } from '../fairness/index.js';
import type { DispatchObserver } from './dispatch-observer.js';

/** What a formed batch needs of the worker it goes to: its op, and room for its padded tokens (one job fits anywhere). */
function needsOf(data: BatchJobData): BatchNeeds {
  const lengths = data.entries.map((e) => decodeEntry(e).length);
  return { op: data.spec.op, paddedTokens: lengths.length > 1 ? paddedTokens(lengths.length, Math.max(...lengths)) : 0 };
}

/** How a spot worker's RPC fails when it hands a batch back (ABORTED), stops taking any (UNAVAILABLE), or dies. */
const HANDED_BACK = new Set<number | undefined>([grpc.status.ABORTED, grpc.status.UNAVAILABLE, grpc.status.CANCELLED]);

export interface PullerOptions {
  prefix: string;
  lockMs: number;
  maxStalledCount: number;
  batchTimeoutMs: number;
  /** First retry delay of a failed job; doubles with each attempt. */
  backoffMs: number;
  /** Longest an idle puller sleeps before it looks again (work another replica queued, missed wake-ups). */
  idlePollMs: number;
  limits: ClosingPolicy;
  billing: Billing;
  spot: SpotHandling;
  /** Succeeded jobs' results are kept here by content. */
  cache: ResultCache;
  /** Told of each settled batch: its tenants and the worker-seconds each used (budgets may have crossed a threshold). */
  onSettled: (workerSeconds: Map<string, number>) => void;
  /** Told of moves and batches, for metrics. */
  observer: DispatchObserver;
  /** Each tenant's use of the fleet: the work out while a batch is out, its worker-seconds once it settled. */
  usage: FairShare;
  /** Dispatch by fair share: of the ready pending sets, the one whose tenant is furthest below its share goes first, across the pool's queues too. */
  fairShare: boolean;
}

/** Spot windows as dispatch sees them. */
export interface SpotHandling {
  /** Whether a spot window is open now. */
  open(): boolean;
  /** Where a job a spot worker handed back goes next (see afterHandBack), given its record. */
  after(job: SpotJob): 'spot' | 'on-demand';
}

type BatchJob = Job<BatchJobData>;
const FROM_RUNNING = ['RUNNING'] as const;
interface Started {
  entry: PendingEntry;
  /** The record's attempts, this one included. */
  attempts: number;
  tokens: Buffer;
}

/**
 * Keeps one (op, bucket) queue's batches moving. A cycle: wait until some
 * worker has room, form a batch (BatchFormer), take the oldest formed batch
 * from BullMQ (it may be one a dead replica formed, or one stalled), take a
 * worker slot, mark its jobs RUNNING and send it. Each batch then settles on
 * its own when the worker answers.
 */
export class QueuePuller {
  private readonly bull: Worker<BatchJobData>;
  private readonly former: BatchFormer;
  private readonly token = `dispatch-${randomUUID()}`;
  private readonly inFlight = new Set<Promise<void>>();
  /** The workers that take this queue's batches: spot workers for a spot queue. */
  private readonly workerPool: Pool;
  private stopping = false;
  private loop: Promise<void> | undefined;
  /** Under fair sharing: this queue's claim on the pool's next free slot. */
  private readonly bid: SlotBid | undefined;
  private wakeUp: (() => void) | undefined;

  constructor(
    readonly queue: string,
    connection: Redis,
    private readonly queues: QueueSet,
    private readonly store: JobStore,
    private readonly models: CostModels,
    private readonly pool: WorkerPool,
    private readonly locks: LockKeeper,
    private readonly opts: PullerOptions,
    private readonly log: Logger,
  ) {
    // Pending sets are read on the queues' own connection: `connection` carries BullMQ's scripts, which make its pipelines dear.
    this.former = new BatchFormer(
      queues.redis, queues, queue, opts.limits,
      opts.fairShare ? { refresh: () => opts.usage.refresh(), rank: (t) => opts.usage.rank(t), capped: (t) => pool.capped(poolOf(queue), t) } : undefined,
    );
    this.workerPool = poolOf(queue);
    this.bid = opts.fairShare ? pool.bid(this.workerPool) : undefined;
    this.bull = new Worker<BatchJobData>(queue, null, {
      connection,
      prefix: opts.prefix,
      autorun: false,
      lockDuration: opts.lockMs,
      maxStalledCount: opts.maxStalledCount,
      // Looked for as often as a lock lasts: a dead replica's batches come back within a few lock lengths, not BullMQ's 30 s apart.
      stalledInterval: opts.lockMs,
    });
    this.bull.on('error', (err) => throttled(this.log, 'warn', 'queue worker error', { err, queue }));
  }

  async start(): Promise<void> {
    // Without a processor BullMQ does not look for stalled jobs on its own.
    await this.bull.startStalledCheckTimer();
    this.loop = this.run();
  }

  /** Jobs were queued: look now rather than at the next poll. */
  wake(): void {
    this.wakeUp?.();
  }

  /** Stop forming, wait for batches out (up to graceMs). */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    this.bid?.set(undefined);
    this.wake();
    const out = Promise.all([...this.inFlight]);
    const timeout = new AbortController();
    await Promise.race([out, sleep(graceMs, undefined, { signal: timeout.signal }).catch(() => undefined)]);
    timeout.abort();
    await this.loop;
    await this.bull.close(true);
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.cycle();
      } catch (err) {
        if (this.stopping) break;
        throttled(this.log, 'error', 'dispatch cycle failed', { err, queue: this.queue });
        await sleep(500);
      }
    }
  }

  private async cycle(): Promise<void> {
    if (!(await this.pool.waitForCapacity(this.workerPool, false, this.bid)) || this.stopping) return;
    const next = this.pool.peek(this.workerPool);
    if (!next) return;
    const forming = await this.former.formOne(next);
    const job = await this.bull.getNextJob(this.token, { block: false });
    if (!job?.id) {
      // Nothing to send: no claim on the next slot while it idles.
      this.bid?.set(undefined);
      if (!forming.formed) await this.idle(forming.wakeAt, forming.capped);
      return;
    }
    this.locks.hold(this.bull, job.id, this.token);
    const needs = needsOf(job.data);
    const tenant = decodeEntry(job.data.entries[0]!).tenant;
    // Under fair sharing the batch claims a slot by its tenant's rank (its jobs are all one tenant's).
    this.bid?.set(tenant, needs);
    // A spot window that closed since forming: the batch goes back to waiting, where the window's close moves it on demand.
    const slot = this.workerPool === 'spot' && !this.opts.spot.open() ? null : await this.pool.acquire(this.workerPool, needs, false, this.bid);
    // The tenant's next batch likely waits in this queue too: the claim stays, for any slot, until forming finds none.
    this.bid?.set(this.stopping ? undefined : tenant);
    if (!slot || this.stopping) {
      slot?.release(false);
      // Back to waiting, for this replica after a restart or for another one.
      await this.finish(job, () => job.moveToWait(this.token));
      return;
    }
    let started: Started[];
    try {
      started = await this.markRunning(job, slot.workerId);
    } catch (err) {
      // Redis away mid-move (the moves may have landed, their reply not): the slot is free again and the lock
      // no longer renewed, so that the batch stalls and runs again, instead of being held for ever.
      slot.release(false);
      this.locks.release(this.bull, job.id);
      throw err;
    }
    if (started.length === 0) {
      slot.release(false);
      await this.finish(job, () => job.moveToCompleted('', this.token, false));
      return;
    }
    // A settlement that fails (Redis away, say) leaves the batch to its lock: no longer renewed, it expires, and the
    // stalled check (of any replica) runs the batch again, whose jobs are still RUNNING in it.
    const sent = this.sendAndSettle(job, started, slot)
      .catch((err: unknown) => {
        this.log.error({ err, batchId: job.data.batchId, queue: this.queue }, 'batch not settled; it runs again once its lock expires');
        this.locks.release(this.bull, job.id!);
      })
      .finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  /** Sleeps until `wakeAt`, a wake-up, or the poll interval, whichever comes first (or a change of the slots, when `capped`). */
  private async idle(wakeAt: number | null, capped = false): Promise<void> {
    const ms = Math.max(0, Math.min(this.opts.idlePollMs, (wakeAt ?? Infinity) - Date.now()));
    if (ms === 0) return;
    const timer = new AbortController();
    await Promise.race([
      sleep(ms, undefined, { signal: timer.signal }).catch(() => undefined),
      new Promise<void>((resolve) => (this.wakeUp = resolve)),
      // Work held back by a tenant's maxShare goes as soon as one of its slots frees.
      ...(capped ? [this.pool.nextChange()] : []),
    ]);
    timer.abort();
    this.wakeUp = undefined;
  }

  /**
   * Marks the batch's jobs RUNNING and reads their tokens, one script per tenant. A job is skipped
   * if it is no longer the one its entry was made for: cancelled, run by another batch, or retried
   * since. A batch run again after a stall finds its own jobs RUNNING and runs them again.
   */
  private async markRunning(job: BatchJob, workerId: string): Promise<Started[]> {
    const { batchId } = job.data;
    const entries = job.data.entries.map(decodeEntry);
    const moves: Transition[] = entries.map((e) => ({
      tenant: e.tenant,
      id: e.id,
      from: ['QUEUED', 'RUNNING'],
      to: 'RUNNING',
      fields: { workerId, batchId },
      countAttempt: true,
      ifAttempts: e.attempts,
      ifBatch: batchId,
      withTokens: true,
    }));
    const results = await this.store.transitionMany(moves);
    this.opts.observer.moved(this.queue, moves, results);
    const started: Started[] = [];
    results.forEach((r, i) => r.ok && r.tokens && started.push({ entry: entries[i]!, attempts: r.attempts, tokens: r.tokens }));
    return started;
  }

  private async sendAndSettle(job: BatchJob, started: Started[], slot: WorkerSlot): Promise<void> {
    const { batchId, spec } = job.data;
    const request = batchRequest(batchId, spec, started.map((s) => ({ id: s.entry.id, tokens: s.tokens })));
    this.opts.observer.sent(this.queue, started);
    const sentAt = performance.now();
    // Counted against its tenants' shares while it is out (by its predicted seconds, shared by jobs), until it settles.
    const out = this.workOut(spec.op, slot.workerClass, started);
    this.opts.usage.sent(out);
    let used: Map<string, number> | undefined;
    try {
      used = await this.runAndSettle(job, started, slot, request, sentAt);
    } finally {
      // Its predicted seconds leave the work out as its real ones count (none if it did not settle).
      this.opts.usage.ran(out, used ?? new Map());
    }
  }

  private async runAndSettle(job: BatchJob, started: Started[], slot: WorkerSlot, request: ReturnType<typeof batchRequest>, sentAt: number): Promise<Map<string, number> | undefined> {
    const { batchId, spec } = job.data;
    let reply: Parameters<typeof planSettlement>[2];
    // What each job's share of the batch cost: the batch's kernel seconds, shared by padded tokens (equally: all pad to the longest).
    let share = 0;
    let alone = (_length: number) => 0;
    try {
      const res = await slot.run(request, this.opts.batchTimeoutMs);
      slot.release(false);
      reply = { outcomes: res.outcomes };
      const longest = Math.max(...started.map((s) => s.entry.length));
      const shape = { paddedTokens: paddedTokens(started.length, longest), maxLength: longest };
      share = this.opts.billing.cost(slot.workerClass, slot.pool, res.kernelSeconds) / started.length;
      // What each job would have cost alone on demand, held between its share of this batch by real tokens and the whole batch.
      const realTokens = started.reduce((a, s) => a + s.entry.length, 0);
      const model = this.models.current(spec.op, slot.workerClass);
      alone = (length: number) =>
        this.opts.billing.onDemand(slot.workerClass, aloneSeconds(model, length, { low: (res.kernelSeconds * length) / realTokens, high: res.kernelSeconds }));
      void this.models.learn(spec.op, slot.workerClass, shape, res.kernelSeconds).catch((err: unknown) => this.log.warn({ err }, 'cost model not updated'));
      this.opts.observer.ran({ queue: this.queue, op: spec.op, workerClass: slot.workerClass, jobs: started.length, ...shape, realTokens, predictedSeconds: predictSeconds(model, shape), kernelSeconds: res.kernelSeconds, rpcSeconds: (performance.now() - sentAt) / 1000 });
      this.log.debug({ batchId, queue: this.queue, workerId: slot.workerId, jobs: started.length, kernelSeconds: res.kernelSeconds }, 'batch returned');
    } catch (err) {
      const e = err as grpc.ServiceError;
      const why = e.code !== undefined ? `${grpc.status[e.code]}: ${e.details || e.message}` : e.message;
      this.opts.observer.failed(this.queue, spec.op, slot.workerClass, slot.pool === 'spot' && HANDED_BACK.has(e.code));
      if (slot.pool === 'spot' && HANDED_BACK.has(e.code)) {
        // Taken back (stopped, or gone): not the jobs' fault, so no attempt is spent.
        slot.release(true);
        this.log.warn({ batchId, queue: this.queue, workerId: slot.workerId, jobs: started.length, error: why }, 'batch preempted');
        await this.handBack(job, started, slot.workerId, why);
        return undefined;
      }
      // A batch the worker refused as malformed says nothing about the worker's health.
      slot.release(e.code !== grpc.status.INVALID_ARGUMENT);
      reply = { error: `worker ${slot.workerId}: ${why}` };
      this.log.warn({ batchId, queue: this.queue, workerId: slot.workerId, jobs: started.length, error: why }, 'batch failed');
    }
    const plan = planSettlement(
      started.map((s) => s.entry.id),
      started.map((s) => ({ failedBefore: s.attempts - 1, maxAttempts: s.entry.maxAttempts })),
      reply,
    );
    return this.settle(job, started, plan, slot, share, alone);
  }

  /** The batch's predicted worker-seconds, by tenant (each job's share by its length). */
  private workOut(op: BatchJobData['spec']['op'], workerClass: string, started: Started[]): Map<string, number> {
    const out = new Map<string, number>();
    if (started.length === 0) return out;
    const longest = Math.max(...started.map((s) => s.entry.length));
    const seconds = predictSeconds(this.models.current(op, workerClass), { paddedTokens: paddedTokens(started.length, longest), maxLength: longest });
    for (const s of started) out.set(s.entry.tenant, (out.get(s.entry.tenant) ?? 0) + seconds / started.length);
    return out;
  }

  /**
   * Records, one script per tenant, then the batch's BullMQ job. A retried job goes into the retry
   * set before its record says QUEUED, so a crash in between never leaves a QUEUED job in no set.
   */
  private async settle(job: BatchJob, started: Started[], plan: Settlement[], slot: WorkerSlot, share: number, alone: (length: number) => number): Promise<Map<string, number>> {
    const { workerId } = slot;
    const { batchId, spec } = job.data;
    const now = Date.now();
    const retries = started.flatMap((s, i) => {
      if (plan[i]!.kind !== 'retry') return [];
      const entry: PendingEntry = { ...s.entry, attempts: s.attempts };
      return [{ queue: this.queue, bucket: job.data.bucket, spec, entry, dueAt: now + this.opts.backoffMs * 2 ** (s.attempts - 1) }];
    });
    await this.queues.retryLater(retries);
    const retryEntry = new Map(retries.map((r) => [r.entry.id, encodeEntry(r.entry)]));
    // Each result encoded once, for its record and for the cache.
    const results = plan.map((p) => (p.kind === 'succeed' ? { kind: resultKind(p.result), bytes: encodeResult(p.result) } : null));
    const moves: Transition[] = started.map((s, i) => {
      const p = plan[i]!;
      // Built field by field (once per job: spreads cost more here).
      const fields: Record<string, string | number | Buffer> = { workerId, kernelSeconds: p.kernelSeconds };
      if (share > 0) fields['+cost'] = share;
      if (p.kind === 'succeed') {
        const r = results[i]!;
        fields.result = r.bytes;
        fields.resultKind = r.kind;
        fields.error = '';
        fields.alonePrice = alone(s.entry.length);
      } else {
        fields.error = p.error;
        if (p.kind === 'retry') fields.entry = retryEntry.get(s.entry.id)!;
      }
      return { tenant: s.entry.tenant, id: s.entry.id, from: FROM_RUNNING, to: p.kind === 'succeed' ? 'SUCCEEDED' : p.kind === 'retry' ? 'QUEUED' : 'FAILED', ifBatch: batchId, fields };
    });
    // A job cancelled while out keeps CANCELLED: its move is refused and its result dropped. Only a worker
    // whose identity is proven feeds the cache: a forged result must not answer later jobs.
    const computed = slot.proven
      ? started.flatMap((s, i) => {
          const r = results[i];
          return r ? [{ key: this.opts.cache.keyOf(s.entry.tenant, spec, s.tokens), ...r }] : [];
        })
      : [];
    const [moved] = await Promise.all([
      this.store.transitionMany(moves),
      // Only a help for later jobs: a result not kept is computed again.
      this.opts.cache.store(computed, workerId).catch((err: unknown) => this.log.warn({ err, batchId }, 'results not cached')),
    ]);
    this.opts.observer.moved(this.queue, moves, moved);
    const used = new Map<string, number>();
    started.forEach((s, i) => used.set(s.entry.tenant, (used.get(s.entry.tenant) ?? 0) + plan[i]!.kernelSeconds));
    this.opts.onSettled(used);
    await this.finish(job, () => job.moveToCompleted('', this.token, false));
    return used;
  }

  /**
   * A spot worker handed the batch back: each job returns to the spot queue or, preempted too often
   * or short of time, falls back to on-demand; its attempt is given back and its preemption counted.
   * As with retries, the entry is placed before the record says QUEUED.
   */
  private async handBack(job: BatchJob, started: Started[], workerId: string, why: string): Promise<void> {
    const { batchId, bucket, spec } = job.data;
    const byId = await this.store.getAcross(started.map((s) => s.entry));
    const now = Date.now();
    const next = started.map((s) => {
      const rec = byId.get(s.entry.id);
      const to = this.opts.spot.after({ preemptions: (rec?.preemptions ?? 0) + 1, deadline: rec?.deadline ?? 0, seconds: rec?.quote?.seconds ?? 0 });
      const entry: PendingEntry = { ...s.entry, attempts: s.attempts - 1 };
      return { s, to, item: { queue: to === 'spot' ? this.queue : onDemandQueueOf(this.queue), bucket, spec, entry, dueAt: now + this.opts.backoffMs } };
    });
    await this.queues.retryLater(next.map((n) => n.item));
    await this.store.transitionMany(
      next.map(({ s, to, item }) => ({
        tenant: s.entry.tenant,
        id: s.entry.id,
        from: ['RUNNING'] as const,
        to: 'QUEUED' as const,
        ifBatch: batchId,
        returnAttempt: true,
        fields: {
          '+preemptions': 1,
          entry: encodeEntry(item.entry),
          queue: item.queue,
          workerId,
          error: `preempted on ${workerId}: ${why}`,
          ...(to === 'on-demand' ? { placement: `fell back to on-demand after ${(byId.get(s.entry.id)?.preemptions ?? 0) + 1} preemption(s)` } : {}),
        },
      })),
    );
    await this.finish(job, () => job.moveToCompleted('', this.token, false));
  }

  private async finish(job: BatchJob, move: () => Promise<unknown>): Promise<void> {
    // Released before the move: a lock extension answered while the move is out would otherwise report
    // the lock the move removed as lost.
    this.locks.release(this.bull, job.id!);
    try {
      await move();
    } catch (err) {
      // Lock lost (this dispatcher was too slow): the batch is run again and its records keep the first results.
      this.log.warn({ err, batchId: job.data.batchId, queue: this.queue }, 'could not settle batch in its queue');
    }
  }
}
