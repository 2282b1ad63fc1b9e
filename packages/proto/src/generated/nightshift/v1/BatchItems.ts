// Original file: proto/nightshift/v1/batches.proto

import type { BatchItem as _nightshift_v1_BatchItem, BatchItem__Output as _nightshift_v1_BatchItem__Output } from '../../nightshift/v1/BatchItem.js';

export interface BatchItems {
  'items'?: (_nightshift_v1_BatchItem)[];
}

export interface BatchItems__Output {
  'items': (_nightshift_v1_BatchItem__Output)[];
}
