// Original file: proto/nightshift/v1/batches.proto

import type { JobResult as _nightshift_v1_JobResult, JobResult__Output as _nightshift_v1_JobResult__Output } from '../../nightshift/v1/JobResult.js';
import type { Long } from '@grpc/proto-loader';

export interface BatchItemResult {
  /**
   * The item's place in the upload, from 0.
   */
  'index'?: (number | string | Long);
  'customId'?: (string);
  'result'?: (_nightshift_v1_JobResult | null);
  /**
   * Why this item failed (too long for every worker, empty, …) or was
   * not run (the batch was cancelled).
   */
  'error'?: (string);
  /**
   * Its share of its unit's cost, US dollars (0 when cached or a duplicate).
   */
  'cost'?: (number | string);
  'cached'?: (boolean);
  'outcome'?: "result"|"error";
}

export interface BatchItemResult__Output {
  /**
   * The item's place in the upload, from 0.
   */
  'index': (string);
  'customId': (string);
  'result'?: (_nightshift_v1_JobResult__Output | null);
  /**
   * Why this item failed (too long for every worker, empty, …) or was
   * not run (the batch was cancelled).
   */
  'error'?: (string);
  /**
   * Its share of its unit's cost, US dollars (0 when cached or a duplicate).
   */
  'cost': (number);
  'cached': (boolean);
  'outcome'?: "result"|"error";
}
