// Original file: proto/nightshift/v1/batches.proto

import type { Long } from '@grpc/proto-loader';

/**
 * Items by outcome. total = succeeded + failed + pending + cancelled.
 */
export interface BatchItemCounts {
  'total'?: (number | string | Long);
  'succeeded'?: (number | string | Long);
  'failed'?: (number | string | Long);
  /**
   * Not yet run.
   */
  'pending'?: (number | string | Long);
  /**
   * Not run because the batch was cancelled.
   */
  'cancelled'?: (number | string | Long);
  /**
   * Of succeeded: taken from the result cache.
   */
  'cached'?: (number | string | Long);
  /**
   * Of succeeded: identical to an earlier item of the batch, computed once.
   */
  'duplicates'?: (number | string | Long);
}

/**
 * Items by outcome. total = succeeded + failed + pending + cancelled.
 */
export interface BatchItemCounts__Output {
  'total': (string);
  'succeeded': (string);
  'failed': (string);
  /**
   * Not yet run.
   */
  'pending': (string);
  /**
   * Not run because the batch was cancelled.
   */
  'cancelled': (string);
  /**
   * Of succeeded: taken from the result cache.
   */
  'cached': (string);
  /**
   * Of succeeded: identical to an earlier item of the batch, computed once.
   */
  'duplicates': (string);
}
