// Original file: proto/nightshift/v1/batches.proto

import type { BatchState as _nightshift_v1_BatchState, BatchState__Output as _nightshift_v1_BatchState__Output } from '../../nightshift/v1/BatchState.js';

export interface ListBatchesRequest {
  /**
   * Only batches in these states; empty: all.
   */
  'states'?: (_nightshift_v1_BatchState)[];
  /**
   * 1 … 1000; 0 means 100.
   */
  'pageSize'?: (number);
  'pageToken'?: (string);
}

export interface ListBatchesRequest__Output {
  /**
   * Only batches in these states; empty: all.
   */
  'states': (_nightshift_v1_BatchState__Output)[];
  /**
   * 1 … 1000; 0 means 100.
   */
  'pageSize': (number);
  'pageToken': (string);
}
