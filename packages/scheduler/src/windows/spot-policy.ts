/** When work on spot capacity gives up on it. */
export interface SpotPolicy {
  /** Preemptions a job takes before it falls back to on-demand. */
  maxPreemptions: number;
  /** Slack kept before a deadline, ms. */
  marginMs: number;
}

/** What is known of a job on (or waiting for) spot capacity. */
export interface SpotJob {
  preemptions: number;
  /** ms; 0: none. */
  deadline: number;
  /** Predicted seconds of its work. */
  seconds: number;
}

/** Whether a job can still wait for spot capacity: once its work would end past its deadline less the margin, it cannot. */
export function canWaitForSpot(job: SpotJob, now: number, policy: SpotPolicy): boolean {
  return !job.deadline || now + job.seconds * 1000 + policy.marginMs <= job.deadline;
}

/**
 * Where a job goes when a spot worker hands it back (preempted, stopped, or
 * dead mid-batch), its preemptions counted already: back to spot while a
 * spot window is open, it was not preempted too often and its deadline
 * allows; otherwise on to on-demand.
 */
export function afterHandBack(job: SpotJob, spotOpen: boolean, now: number, policy: SpotPolicy): 'spot' | 'on-demand' {
  if (!spotOpen || job.preemptions >= policy.maxPreemptions || !canWaitForSpot(job, now, policy)) return 'on-demand';
  return 'spot';
}
