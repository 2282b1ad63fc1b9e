// Original file: proto/nightshift/v1/worker.proto

import type { JobOutcome as _nightshift_v1_JobOutcome, JobOutcome__Output as _nightshift_v1_JobOutcome__Output } from '../../nightshift/v1/JobOutcome.js';

export interface RunBatchResponse {
  'batchId'?: (string);
  'workerId'?: (string);
  /**
   * The kernel backend that ran the batch (for example "ts", "cpu-avx512", "cuda").
   */
  'backend'?: (string);
  /**
   * One outcome per job, in the request's order.
   */
  'outcomes'?: (_nightshift_v1_JobOutcome)[];
  /**
   * Wall seconds of the whole kernel call.
   */
  'kernelSeconds'?: (number | string);
}

export interface RunBatchResponse__Output {
  'batchId': (string);
  'workerId': (string);
  /**
   * The kernel backend that ran the batch (for example "ts", "cpu-avx512", "cuda").
   */
  'backend': (string);
  /**
   * One outcome per job, in the request's order.
   */
  'outcomes': (_nightshift_v1_JobOutcome__Output)[];
  /**
   * Wall seconds of the whole kernel call.
   */
  'kernelSeconds': (number);
}
