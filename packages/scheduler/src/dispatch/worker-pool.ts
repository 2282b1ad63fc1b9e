import * as grpc from '@grpc/grpc-js';
import { loadNightshift, type Logger, type RunBatchRequest, type RunBatchResponse__Output, type WorkerServiceClient } from '@nightshift/proto';
import type { WorkerEntry } from '../config/scheduler-config.js';
import type { Pool } from '../pricing/index.js';

export interface WorkerSlot {
  workerId: string;
  workerClass: string;
  pool: Pool;
  /** Whether this slot's batch would be the only one on its worker: then waiting for batch-mates idles the worker. */
  workerIdle(): boolean;
  run(request: RunBatchRequest, timeoutMs: number): Promise<RunBatchResponse__Output>;
  /** Give the slot back; `failed` suspects the worker for a while. */
  release(failed: boolean): void;
}

interface Member {
  entry: WorkerEntry;
  client: WorkerServiceClient;
  inFlight: number;
  failures: number;
  suspectUntil: number;
}

const MAX_MESSAGE = 256 * 1024 * 1024;

/**
 * The workers batches can go to, with a slot per batch each may hold. A
 * worker that fails a batch is left alone for a backoff that doubles with
 * each failure in a row.
 */
export class WorkerPool {
  private readonly members: Member[];
  private waiters: Array<() => void> = [];
  private wakeTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    entries: readonly WorkerEntry[],
    private readonly backoffMs: number,
    private readonly log: Logger,
    /** Whether a spot window is open: spot workers get work only then. */
    private readonly spotOpen: () => boolean = () => false,
  ) {
    const Client = loadNightshift().grpcObject.nightshift.v1.WorkerService;
    this.members = entries.map((entry) => ({
      entry,
      client: new Client(entry.address, grpc.credentials.createInsecure(), {
        'grpc.max_send_message_length': MAX_MESSAGE,
        'grpc.max_receive_message_length': MAX_MESSAGE,
      }),
      inFlight: 0,
      failures: 0,
      suspectUntil: 0,
    }));
    if (entries.length === 0) log.warn('no workers configured: jobs will wait in their queues');
  }

  /** The worker of `pool` acquire() would give now, as batch forming needs to know it; undefined when none has room. */
  peek(pool: Pool): { idle: boolean; maxPaddedTokens: number } | undefined {
    const m = this.freest(pool);
    return m && { idle: m.inFlight === 0, maxPaddedTokens: m.entry.maxPaddedTokens ?? Infinity };
  }

  /** Waits for a free slot on a healthy worker of `pool` (least loaded first); null once the pool is closed. */
  async acquire(pool: Pool): Promise<WorkerSlot | null> {
    for (;;) {
      if (this.closed) return null;
      const best = this.freest(pool);
      if (best) return this.slot(best);
      await this.changed();
    }
  }

  /**
   * Waits until some worker has a free slot, without taking it: a puller
   * waits here before it fetches, so that jobs stay in their queue (and
   * cancellable) while no worker could take them.
   */
  async waitForCapacity(pool: Pool): Promise<boolean> {
    while (!this.closed && !this.freest(pool)) await this.changed();
    return !this.closed;
  }

  private freest(pool: Pool): Member | undefined {
    const now = Date.now();
    if (pool === 'spot' && !this.spotOpen()) return undefined;
    let best: Member | undefined;
    for (const m of this.members) {
      if (m.entry.pool !== pool || m.suspectUntil > now || m.inFlight >= m.entry.maxBatchesInFlight) continue;
      if (!best || m.inFlight / m.entry.maxBatchesInFlight < best.inFlight / best.entry.maxBatchesInFlight) best = m;
    }
    return best;
  }

  private changed(): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      this.wakeAtNextRecovery(Date.now());
    });
  }

  /** No more slots: waiters get null. Batches already out keep their channel. */
  close(): void {
    this.closed = true;
    this.wake();
    clearTimeout(this.wakeTimer);
  }

  /** Closes the channels, once no batch is out. */
  dispose(): void {
    for (const m of this.members) m.client.close();
  }

  private slot(m: Member): WorkerSlot {
    m.inFlight++;
    let released = false;
    return {
      workerId: m.entry.id,
      workerClass: m.entry.workerClass,
      pool: m.entry.pool,
      workerIdle: () => m.inFlight <= 1,
      run: (request, timeoutMs) =>
        new Promise((resolve, reject) => {
          m.client.runBatch(request, { deadline: Date.now() + timeoutMs }, (err, res) => (err || !res ? reject(err ?? new Error('empty reply')) : resolve(res)));
        }),
      release: (failed) => {
        if (released) return;
        released = true;
        m.inFlight--;
        if (failed) {
          m.failures++;
          const wait = Math.min(this.backoffMs * 2 ** (m.failures - 1), 60_000);
          m.suspectUntil = Date.now() + wait;
          this.log.warn({ workerId: m.entry.id, failures: m.failures, backoffMs: wait }, 'worker suspected');
        } else {
          m.failures = 0;
        }
        this.wake();
      },
    };
  }

  /** Look again (a window opened or closed). */
  wake(): void {
    for (const resolve of this.waiters.splice(0)) resolve();
  }

  /** When every free worker is suspected, wake the waiters as the first one recovers. */
  private wakeAtNextRecovery(now: number): void {
    const next = Math.min(...this.members.filter((m) => m.suspectUntil > now).map((m) => m.suspectUntil));
    if (!Number.isFinite(next)) return;
    clearTimeout(this.wakeTimer);
    this.wakeTimer = setTimeout(() => this.wake(), next - now + 1);
  }
}
