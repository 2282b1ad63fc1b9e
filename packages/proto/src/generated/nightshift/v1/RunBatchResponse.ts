// Original file: proto/nightshift/v1/worker.proto

import type { JobOutcome as _nightshift_v1_JobOutcome, JobOutcome__Output as _nightshift_v1_JobOutcome__Output } from '../../nightshift/v1/JobOutcome.js';
import type { PackedOutcomes as _nightshift_v1_PackedOutcomes, PackedOutcomes__Output as _nightshift_v1_PackedOutcomes__Output } from '../../nightshift/v1/PackedOutcomes.js';

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
  /**
   * For a packed request: every job's outcome in a few fields.
   */
  'packed'?: (_nightshift_v1_PackedOutcomes | null);
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
  /**
   * For a packed request: every job's outcome in a few fields.
   */
  'packed': (_nightshift_v1_PackedOutcomes__Output | null);
}
