// Original file: proto/nightshift/v1/batches.proto

import type { Long } from '@grpc/proto-loader';

export interface GetBatchResultsRequest {
  'batchId'?: (string);
  'fromIndex'?: (number | string | Long);
}

export interface GetBatchResultsRequest__Output {
  'batchId': (string);
  'fromIndex': (string);
}
