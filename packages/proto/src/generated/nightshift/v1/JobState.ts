// Original file: proto/nightshift/v1/jobs.proto

export const JobState = {
  JOB_STATE_UNSPECIFIED: 'JOB_STATE_UNSPECIFIED',
  /**
   * Admitted, waiting in its queue (also between retries).
   */
  JOB_STATE_QUEUED: 'JOB_STATE_QUEUED',
  /**
   * In a batch out on a worker.
   */
  JOB_STATE_RUNNING: 'JOB_STATE_RUNNING',
  JOB_STATE_SUCCEEDED: 'JOB_STATE_SUCCEEDED',
  /**
   * Failed on every attempt; `error` says why.
   */
  JOB_STATE_FAILED: 'JOB_STATE_FAILED',
  JOB_STATE_CANCELLED: 'JOB_STATE_CANCELLED',
  /**
   * Heavy work waiting for a cheaper capacity window (planned_window) to
   * open; it is queued at planned_start, and still finishes by its deadline.
   */
  JOB_STATE_DEFERRED: 'JOB_STATE_DEFERRED',
} as const;

export type JobState =
  | 'JOB_STATE_UNSPECIFIED'
  | 0
  /**
   * Admitted, waiting in its queue (also between retries).
   */
  | 'JOB_STATE_QUEUED'
  | 1
  /**
   * In a batch out on a worker.
   */
  | 'JOB_STATE_RUNNING'
  | 2
  | 'JOB_STATE_SUCCEEDED'
  | 3
  /**
   * Failed on every attempt; `error` says why.
   */
  | 'JOB_STATE_FAILED'
  | 4
  | 'JOB_STATE_CANCELLED'
  | 5
  /**
   * Heavy work waiting for a cheaper capacity window (planned_window) to
   * open; it is queued at planned_start, and still finishes by its deadline.
   */
  | 'JOB_STATE_DEFERRED'
  | 6

export type JobState__Output = typeof JobState[keyof typeof JobState]
