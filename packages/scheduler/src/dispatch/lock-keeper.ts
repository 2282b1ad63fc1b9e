import type { Worker } from 'bullmq';
import type { Logger } from '@nightshift/proto';

/**
 * Keeps the BullMQ locks of every batch this dispatcher holds (fetched and
 * not yet settled) alive, whether it waits for a worker slot or is out: one
 * extendJobLocks call per queue every third of the lock.
 */
export class LockKeeper {
  private readonly held = new Map<Worker, Map<string, string>>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly lockMs: number,
    private readonly log: Logger,
  ) {
    this.timer = setInterval(() => void this.extendAll(), Math.max(250, Math.floor(lockMs / 3)));
    this.timer.unref();
  }

  hold(worker: Worker, jobId: string, token: string): void {
    let jobs = this.held.get(worker);
    if (!jobs) this.held.set(worker, (jobs = new Map()));
    jobs.set(jobId, token);
  }

  release(worker: Worker, jobId: string): void {
    this.held.get(worker)?.delete(jobId);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async extendAll(): Promise<void> {
    for (const [worker, jobs] of this.held) {
      if (jobs.size === 0) continue;
      try {
        const failed = (await worker.extendJobLocks([...jobs.keys()], [...jobs.values()], this.lockMs)).filter((id) => jobs.has(id));
        // A lock we lost means the batch was handed out again; its records decide who settles each job.
        // (A batch settled while the call was out is not held any more, and not lost.)
        if (failed.length) this.log.warn({ queue: worker.name, batches: failed.length }, 'lost batch locks');
      } catch (err) {
        this.log.warn({ err, queue: worker.name }, 'lock extension failed');
      }
    }
  }
}
