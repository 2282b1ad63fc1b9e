// Original file: proto/nightshift/v1/batches.proto

import type { BatchItem as _nightshift_v1_BatchItem, BatchItem__Output as _nightshift_v1_BatchItem__Output } from '../../nightshift/v1/BatchItem.js';
import type { Long } from '@grpc/proto-loader';

export interface BatchItems {
  'items'?: (_nightshift_v1_BatchItem)[];
  /**
   * The upload index of this message's first item. Unset: right after the
   * previous message's last (the first message: header.first_item). A client
   * that learns from the metadata how many items the server holds sets it
   * on its first message and sends from there.
   */
  'firstIndex'?: (number | string | Long);
  '_firstIndex'?: "firstIndex";
}

export interface BatchItems__Output {
  'items': (_nightshift_v1_BatchItem__Output)[];
  /**
   * The upload index of this message's first item. Unset: right after the
   * previous message's last (the first message: header.first_item). A client
   * that learns from the metadata how many items the server holds sets it
   * on its first message and sends from there.
   */
  'firstIndex'?: (string);
  '_firstIndex'?: "firstIndex";
}
