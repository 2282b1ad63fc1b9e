// Original file: proto/nightshift/v1/jobs.proto

import type { Long } from '@grpc/proto-loader';

export interface PurgeCacheResponse {
  /**
   * Cached results removed.
   */
  'removed'?: (number | string | Long);
}

export interface PurgeCacheResponse__Output {
  /**
   * Cached results removed.
   */
  'removed': (string);
}
