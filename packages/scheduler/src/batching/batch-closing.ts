import { fitsInBatch, paddedTokens, type BatchLimits } from './batch-limits.js';

/** A job waiting to be batched, as the batching decision sees it. */
export interface PendingJob {
  id: string;
  length: number;
  /** Higher runs first. */
  priority: number;
  /** When it was queued, ms. */
  queuedAt: number;
}

export interface ClosingPolicy extends BatchLimits {
  /** Longest a job waits for batch-mates, ms (Triton's max_queue_delay). */
  maxQueueDelayMs: number;
  /** Waiting this long raises a job's priority by one, so that low priorities do not starve (0: no aging). */
  agingMsPerPriority: number;
}

export type Closing =
  | { close: true; batch: PendingJob[]; reason: 'jobs' | 'tokens' | 'delay' | 'idle' }
  | { close: false; wakeAt: number | null };

/** Priority with aging: what orders the pending jobs of one (op, params, bucket). */
export function effectivePriority(job: PendingJob, now: number, agingMsPerPriority: number): number {
  return agingMsPerPriority > 0 ? job.priority + Math.max(0, now - job.queuedAt) / agingMsPerPriority : job.priority;
}

/**
 * Whether a batch of these pending jobs (all of one op, params and bucket) closes now, and which.
 * Jobs are taken highest effective priority first (oldest first among equals) while they fit.
 * The batch closes when it is full (by job count or padded tokens), when its oldest job has
 * waited maxQueueDelayMs, or at once when a worker would otherwise sit idle. Otherwise it says
 * when to look again. Pure: the caller supplies `now`.
 */
export function closeBatch(pending: readonly PendingJob[], now: number, policy: ClosingPolicy, workerIdle: boolean): Closing {
  if (pending.length === 0) return { close: false, wakeAt: null };
  const order = [...pending].sort(
    (a, b) => effectivePriority(b, now, policy.agingMsPerPriority) - effectivePriority(a, now, policy.agingMsPerPriority) || a.queuedAt - b.queuedAt,
  );
  const batch: PendingJob[] = [];
  let longest = 0;
  let full: 'jobs' | 'tokens' | null = null;
  for (const job of order) {
    if (!fitsInBatch(batch.length, longest, job.length, policy)) {
      full = batch.length >= policy.maxBatchJobs ? 'jobs' : 'tokens';
      break;
    }
    batch.push(job);
    longest = Math.max(longest, job.length);
  }
  if (!full && batch.length >= policy.maxBatchJobs) full = 'jobs';
  if (!full && paddedTokens(batch.length, longest) >= policy.maxPaddedTokens) full = 'tokens';
  if (full) return { close: true, batch, reason: full };
  const oldest = Math.min(...pending.map((j) => j.queuedAt));
  if (now - oldest >= policy.maxQueueDelayMs) return { close: true, batch, reason: 'delay' };
  if (workerIdle) return { close: true, batch, reason: 'idle' };
  return { close: false, wakeAt: oldest + policy.maxQueueDelayMs };
}
