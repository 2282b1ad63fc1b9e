export interface BatchLimits {
  maxBatchJobs: number;
  /** Batch size × longest sequence. */
  maxPaddedTokens: number;
}

/** Padded tokens of a batch: every sequence is as long as its longest. */
export function paddedTokens(jobs: number, longest: number): number {
  return jobs * longest;
}

/**
 * Whether a job of `length` tokens may join a batch of `jobs` jobs whose
 * longest sequence is `longest`. An empty batch takes any job, so a job
 * above the padded-token budget runs alone instead of never.
 */
export function fitsInBatch(jobs: number, longest: number, length: number, limits: BatchLimits): boolean {
  if (jobs === 0) return true;
  if (jobs + 1 > limits.maxBatchJobs) return false;
  return paddedTokens(jobs + 1, Math.max(longest, length)) <= limits.maxPaddedTokens;
}
