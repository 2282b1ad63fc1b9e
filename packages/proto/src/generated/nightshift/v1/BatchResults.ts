// Original file: proto/nightshift/v1/batches.proto

import type { BatchItemResult as _nightshift_v1_BatchItemResult, BatchItemResult__Output as _nightshift_v1_BatchItemResult__Output } from '../../nightshift/v1/BatchItemResult.js';

export interface BatchResults {
  'results'?: (_nightshift_v1_BatchItemResult)[];
}

export interface BatchResults__Output {
  'results': (_nightshift_v1_BatchItemResult__Output)[];
}
