import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '@nightshift/proto';
import { encodeResult, type JobStore, type Transition } from '../jobs/index.js';
import type { QueueJobData } from '../queueing/index.js';
import { fitsInBatch, type BatchLimits } from '../batching/index.js';
import type { LockKeeper } from './lock-keeper.js';
import type { WorkerPool, WorkerSlot } from './worker-pool.js';
import { batchKey, batchRequest } from './batch-request.js';
import { planSettlement, type Settlement } from './settle-plan.js';

export interface PullerOptions {
  prefix: string;
  lockMs: number;
  maxStalledCount: number;
  batchTimeoutMs: number;
  limits: BatchLimits;
}

type QJob = Job<QueueJobData>;

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
    // 3 fill: same params only, while the batch stays within its limits.
    const batch = this.fill(first);
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

  private fill(first: QJob): QJob[] {
    const key = batchKey(first);
    const batch = [first];
    let longest = first.data.tokenCount;
    const kept: QJob[] = [];
    for (const j of this.carry) {
      if (batchKey(j) === key && fitsInBatch(batch.length, longest, j.data.tokenCount, this.opts.limits)) {
        batch.push(j);
        longest = Math.max(longest, j.data.tokenCount);
      } else kept.push(j);
    }
    this.carry = kept;
    return batch;
  }

  /** Adds jobs waiting in the queue right now to the batch, while they fit. */
  private async top(batch: QJob[]): Promise<void> {
    const key = batchKey(batch[0]!);
    let longest = Math.max(...batch.map((j) => j.data.tokenCount));
    while (this.carry.length < this.opts.limits.maxBatchJobs) {
      const j = await this.fetch(false);
      if (!j) return;
      if (batchKey(j) !== key || !fitsInBatch(batch.length, longest, j.data.tokenCount, this.opts.limits)) {
        this.carry.push(j);
        if (batchKey(j) === key) return; // the batch is full
        continue;
      }
      batch.push(j);
      longest = Math.max(longest, j.data.tokenCount);
    }
  }

  private async fetch(block: boolean): Promise<QJob | undefined> {
    const job = await this.bull.getNextJob(this.token, { block });
    if (job?.id) this.locks.hold(this.bull, job.id, this.token);
    return job;
  }

  private async markRunning(batch: QJob[], workerId: string, batchId: string): Promise<QJob[]> {
    await this.top(batch);
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
