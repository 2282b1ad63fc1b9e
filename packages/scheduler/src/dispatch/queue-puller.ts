import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@nightshift/proto';
import { encodeResult, type JobStore, type Transition } from '../jobs/index.js';
import { apiPriority, bullPriority, type QueueJobData } from '../queueing/index.js';
import { closeBatch, type ClosingPolicy, type PendingJob } from '../batching/index.js';
import type { LockKeeper } from './lock-keeper.js';
import type { WorkerPool, WorkerSlot } from './worker-pool.js';
import { batchKey, batchRequest } from './batch-request.js';
import { planSettlement, type Settlement } from './settle-plan.js';

export interface PullerOptions {
  prefix: string;
  lockMs: number;
  maxStalledCount: number;
  batchTimeoutMs: number;
  limits: ClosingPolicy;
}

type QJob = Job<QueueJobData>;

/** A fetched job as the batching decision sees it; BullMQ's priority turned back into ours. */
function pendingJob(j: QJob): PendingJob {
  return { id: j.id!, length: j.data.tokenCount, priority: apiPriority(j.opts.priority ?? bullPriority(0)), queuedAt: j.timestamp };
}

/**
 * Pulls one queue with BullMQ's manual-fetch API and keeps its batches
 * moving, in four phases a cycle: fetch a first job (blocking), take a
 * worker slot, fill the batch while it fits, start it; each batch then
 * settles on its own when the worker answers.
 */
export class QueuePuller {
  private readonly bull: Worker<QueueJobData>;
  private readonly token = `dispatch-${randomUUID()}`;
  /** Fetched jobs of other params than the batch being formed, kept for the next batches. */
  private carry: QJob[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private stopping = false;
  private loop: Promise<void> | undefined;

  constructor(
    readonly queue: string,
    connection: Redis,
    private readonly store: JobStore,
    private readonly pool: WorkerPool,
    private readonly locks: LockKeeper,
    private readonly opts: PullerOptions,
    private readonly log: Logger,
  ) {
    this.bull = new Worker<QueueJobData>(queue, null, {
      connection,
      prefix: opts.prefix,
      autorun: false,
      lockDuration: opts.lockMs,
      maxStalledCount: opts.maxStalledCount,
      drainDelay: 2,
    });
    this.bull.on('error', (err) => this.log.warn({ err, queue }, 'queue worker error'));
  }

  async start(): Promise<void> {
    // Without a processor BullMQ does not look for stalled jobs on its own.
    await this.bull.startStalledCheckTimer();
    this.loop = this.run();
  }

  /** Stop fetching, wait for batches out (up to graceMs), hand back what was never sent. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const out = Promise.all([...this.inFlight]);
    const timeout = new AbortController();
    await Promise.race([out, sleep(graceMs, undefined, { signal: timeout.signal }).catch(() => undefined)]);
    timeout.abort();
    await this.bull.close(true);
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopping) {
      try {
        await this.cycle();
      } catch (err) {
        if (this.stopping) break;
        this.log.error({ err, queue: this.queue }, 'dispatch cycle failed');
        await sleep(500);
      }
    }
    await this.handBack(this.carry.splice(0));
  }

  private async cycle(): Promise<void> {
    // 1 fetch: the oldest carried job, else (once some worker could take it) block for the next one.
    if (this.carry.length === 0 && !(await this.pool.waitForCapacity())) return;
    const first = this.carry.shift() ?? (await this.fetch(true));
    if (!first) return;
    // 2 slot: wait for a worker that can take a batch.
    const slot = await this.pool.acquire();
    if (!slot || this.stopping) {
      slot?.release(false);
      await this.handBack([first]);
      return;
    }
    // 3 close: gather jobs of the same params until the batch closes (full, delay, idle worker).
    const batch = await this.gather(first, slot);
    if (batch.length === 0) {
      slot.release(false);
      return;
    }
    // 4 start: mark RUNNING and send; settlement happens when the worker answers.
    const batchId = randomUUID();
    const jobs = await this.markRunning(batch, slot.workerId, batchId);
    if (jobs.length === 0) {
      slot.release(false);
      return;
    }
    const sent = this.sendAndSettle(batchId, jobs, slot).finally(() => this.inFlight.delete(sent));
    this.inFlight.add(sent);
  }

  /**
   * The jobs of `first`'s params that go out together: what is carried or waiting now, topped up
   * while the batch may still wait (closeBatch decides), the rest carried to the next batches.
   */
  private async gather(first: QJob, slot: WorkerSlot): Promise<QJob[]> {
    const key = batchKey(first);
    const pending = [first, ...this.carry.filter((j) => batchKey(j) === key)];
    this.carry = this.carry.filter((j) => batchKey(j) !== key);
    for (;;) {
      // Enough in hand to fill a batch twice over is enough to choose from.
      while (pending.length < 2 * this.opts.limits.maxBatchJobs && this.carry.length < this.opts.limits.maxBatchJobs) {
        const j = await this.fetch(false);
        if (!j) break;
        (batchKey(j) === key ? pending : this.carry).push(j);
      }
      const now = Date.now();
      const decision = closeBatch(pending.map(pendingJob), now, this.opts.limits, slot.workerIdle());
      if (decision.close) {
        const chosen = new Set(decision.batch.map((p) => p.id));
        this.carry.unshift(...pending.filter((j) => !chosen.has(j.id!)));
        return pending.filter((j) => chosen.has(j.id!));
      }
      if (this.stopping) {
        await this.handBack(pending);
        return [];
      }
      // Look again soon for batch-mates, and at the latest when the oldest job's delay is up.
      await sleep(Math.max(1, Math.min(2, (decision.wakeAt ?? now + 2) - now)));
    }
  }

  private async fetch(block: boolean): Promise<QJob | undefined> {
    const job = await this.bull.getNextJob(this.token, { block });
    if (job?.id) this.locks.hold(this.bull, job.id, this.token);
    return job;
  }

  private async markRunning(batch: QJob[], workerId: string, batchId: string): Promise<QJob[]> {
    const moves: Transition[] = batch.map((j) => ({
      tenant: j.data.tenant,
      id: j.data.id,
      from: ['QUEUED', 'RUNNING'],
      to: 'RUNNING',
      fields: { workerId, batchId },
      countAttempt: true,
    }));
    const results = await this.store.transitionMany(moves);
    const go: QJob[] = [];
    const skip: QJob[] = [];
    batch.forEach((j, i) => (results[i]!.ok ? go : skip).push(j));
    // Cancelled, already finished (a stalled job run before), or expired: nothing to run.
    await Promise.all(skip.map((j) => this.finish(j, () => j.moveToCompleted('', this.token, false))));
    return go;
  }

  private async sendAndSettle(batchId: string, jobs: QJob[], slot: WorkerSlot): Promise<void> {
    const request = batchRequest(batchId, jobs);
    let reply: Parameters<typeof planSettlement>[2];
    try {
      const res = await slot.run(request, this.opts.batchTimeoutMs);
      slot.release(false);
      reply = { outcomes: res.outcomes };
      this.log.debug({ batchId, queue: this.queue, workerId: slot.workerId, jobs: jobs.length, kernelSeconds: res.kernelSeconds }, 'batch returned');
    } catch (err) {
      const e = err as grpc.ServiceError;
      // A batch the worker refused as malformed says nothing about the worker's health.
      slot.release(e.code !== grpc.status.INVALID_ARGUMENT);
      const why = e.code !== undefined ? `${grpc.status[e.code]}: ${e.details || e.message}` : e.message;
      reply = { error: `worker ${slot.workerId}: ${why}` };
      this.log.warn({ batchId, queue: this.queue, workerId: slot.workerId, jobs: jobs.length, error: why }, 'batch failed');
    }
    const plan = planSettlement(
      jobs.map((j) => j.data.id),
      jobs.map((j) => ({ failedBefore: j.attemptsMade, maxAttempts: j.opts.attempts ?? 1 })),
      reply,
    );
    await this.settle(jobs, plan, slot.workerId);
  }

  /** Records first, then BullMQ: a crash in between re-runs the job, and its record refuses a second result. */
  private async settle(jobs: QJob[], plan: Settlement[], workerId: string): Promise<void> {
    const moves: Transition[] = jobs.map((j, i) => {
      const s = plan[i]!;
      const base = { tenant: j.data.tenant, id: j.data.id, from: ['RUNNING'] as const };
      if (s.kind === 'succeed') {
        const fields = { result: encodeResult(s.result), resultKind: s.result instanceof Uint32Array ? 'u32' : 'f32', kernelSeconds: s.kernelSeconds, workerId, error: '' };
        return { ...base, to: 'SUCCEEDED', fields };
      }
      return { ...base, to: s.kind === 'retry' ? 'QUEUED' : 'FAILED', fields: { error: s.error, workerId, kernelSeconds: s.kernelSeconds } };
    });
    const results = await this.store.transitionMany(moves);
    await Promise.all(
      jobs.map((j, i) => {
        const s = plan[i]!;
        // A job cancelled while out is completed quietly: no retry, its result discarded.
        if (!results[i]!.ok || s.kind === 'succeed') return this.finish(j, () => j.moveToCompleted('', this.token, false));
        return this.finish(j, () => j.moveToFailed(new Error(s.error), this.token, false));
      }),
    );
  }

  private async finish(job: QJob, move: () => Promise<unknown>): Promise<void> {
    try {
      await move();
    } catch (err) {
      // Lock lost (this dispatcher was too slow): the job is re-run and its record keeps the first result.
      this.log.warn({ err, jobId: job.id, queue: this.queue }, 'could not settle job in its queue');
    } finally {
      if (job.id) this.locks.release(this.bull, job.id);
    }
  }

  /** Jobs fetched but never sent go back to waiting, untouched. */
  private async handBack(jobs: QJob[]): Promise<void> {
    await Promise.all(jobs.map((j) => this.finish(j, () => j.moveToWait(this.token))));
  }
}
