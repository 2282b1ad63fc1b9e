// Original file: proto/nightshift/v1/batches.proto

import type { Batch as _nightshift_v1_Batch, Batch__Output as _nightshift_v1_Batch__Output } from '../../nightshift/v1/Batch.js';

export interface ListBatchesResponse {
  'batches'?: (_nightshift_v1_Batch)[];
  'nextPageToken'?: (string);
}

export interface ListBatchesResponse__Output {
  'batches': (_nightshift_v1_Batch__Output)[];
  'nextPageToken': (string);
}
