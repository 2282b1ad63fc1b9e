// Original file: proto/nightshift/v1/batches.proto

import type { BatchHeader as _nightshift_v1_BatchHeader, BatchHeader__Output as _nightshift_v1_BatchHeader__Output } from '../../nightshift/v1/BatchHeader.js';
import type { BatchItems as _nightshift_v1_BatchItems, BatchItems__Output as _nightshift_v1_BatchItems__Output } from '../../nightshift/v1/BatchItems.js';

export interface CreateBatchRequest {
  'header'?: (_nightshift_v1_BatchHeader | null);
  'items'?: (_nightshift_v1_BatchItems | null);
  'part'?: "header"|"items";
}

export interface CreateBatchRequest__Output {
  'header'?: (_nightshift_v1_BatchHeader__Output | null);
  'items'?: (_nightshift_v1_BatchItems__Output | null);
  'part'?: "header"|"items";
}
