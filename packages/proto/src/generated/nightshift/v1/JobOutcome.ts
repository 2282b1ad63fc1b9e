// Original file: proto/nightshift/v1/worker.proto

import type { JobResult as _nightshift_v1_JobResult, JobResult__Output as _nightshift_v1_JobResult__Output } from '../../nightshift/v1/JobResult.js';

export interface JobOutcome {
  'jobId'?: (string);
  'result'?: (_nightshift_v1_JobResult | null);
  /**
   * Why this job failed here; the scheduler retries it up to its attempts.
   */
  'error'?: (string);
  /**
   * Kernel seconds spent on this job (its share when the kernel runs jobs together).
   */
  'kernelSeconds'?: (number | string);
  'outcome'?: "result"|"error";
}

export interface JobOutcome__Output {
  'jobId': (string);
  'result'?: (_nightshift_v1_JobResult__Output | null);
  /**
   * Why this job failed here; the scheduler retries it up to its attempts.
   */
  'error'?: (string);
  /**
   * Kernel seconds spent on this job (its share when the kernel runs jobs together).
   */
  'kernelSeconds': (number);
  'outcome'?: "result"|"error";
}
