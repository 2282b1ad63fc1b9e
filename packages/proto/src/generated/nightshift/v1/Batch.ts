// Original file: proto/nightshift/v1/batches.proto

import type { OpParams as _nightshift_v1_OpParams, OpParams__Output as _nightshift_v1_OpParams__Output } from '../../nightshift/v1/OpParams.js';
import type { BatchState as _nightshift_v1_BatchState, BatchState__Output as _nightshift_v1_BatchState__Output } from '../../nightshift/v1/BatchState.js';
import type { BatchItemCounts as _nightshift_v1_BatchItemCounts, BatchItemCounts__Output as _nightshift_v1_BatchItemCounts__Output } from '../../nightshift/v1/BatchItemCounts.js';
import type { WindowQuote as _nightshift_v1_WindowQuote, WindowQuote__Output as _nightshift_v1_WindowQuote__Output } from '../../nightshift/v1/WindowQuote.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface Batch {
  'id'?: (string);
  'tenant'?: (string);
  'op'?: (string);
  'params'?: (_nightshift_v1_OpParams | null);
  'state'?: (_nightshift_v1_BatchState);
  'priority'?: (number);
  'labels'?: ({[key: string]: string});
  'idempotencyKey'?: (string);
  'items'?: (_nightshift_v1_BatchItemCounts | null);
  /**
   * Tokens of every item, and as the units pad them.
   */
  'tokens'?: (number | string | Long);
  'paddedTokens'?: (number | string | Long);
  /**
   * Units planned, and units done.
   */
  'units'?: (number);
  'unitsDone'?: (number);
  /**
   * The quote it was admitted with (the whole batch, in its planned window).
   */
  'quote'?: (_nightshift_v1_WindowQuote | null);
  /**
   * What the units run so far cost, US dollars.
   */
  'cost'?: (number | string);
  'maxCost'?: (number | string);
  'deadline'?: (_google_protobuf_Timestamp | null);
  'plannedWindow'?: (string);
  'plannedStart'?: (_google_protobuf_Timestamp | null);
  /**
   * Why it was placed there.
   */
  'placement'?: (string);
  /**
   * When it is expected to finish (unset until admitted, and once final).
   */
  'eta'?: (_google_protobuf_Timestamp | null);
  /**
   * Why it failed or was cancelled.
   */
  'error'?: (string);
  'createdAt'?: (_google_protobuf_Timestamp | null);
  'startedAt'?: (_google_protobuf_Timestamp | null);
  'finishedAt'?: (_google_protobuf_Timestamp | null);
  /**
   * Items may still be uploaded (a batch that declared its size runs while
   * its upload is open).
   */
  'uploadOpen'?: (boolean);
  /**
   * The size its header declared (0: none).
   */
  'declaredItems'?: (number | string | Long);
  'declaredTokens'?: (number | string | Long);
}

export interface Batch__Output {
  'id': (string);
  'tenant': (string);
  'op': (string);
  'params': (_nightshift_v1_OpParams__Output | null);
  'state': (_nightshift_v1_BatchState__Output);
  'priority': (number);
  'labels': ({[key: string]: string});
  'idempotencyKey': (string);
  'items': (_nightshift_v1_BatchItemCounts__Output | null);
  /**
   * Tokens of every item, and as the units pad them.
   */
  'tokens': (string);
  'paddedTokens': (string);
  /**
   * Units planned, and units done.
   */
  'units': (number);
  'unitsDone': (number);
  /**
   * The quote it was admitted with (the whole batch, in its planned window).
   */
  'quote': (_nightshift_v1_WindowQuote__Output | null);
  /**
   * What the units run so far cost, US dollars.
   */
  'cost': (number);
  'maxCost': (number);
  'deadline': (_google_protobuf_Timestamp__Output | null);
  'plannedWindow': (string);
  'plannedStart': (_google_protobuf_Timestamp__Output | null);
  /**
   * Why it was placed there.
   */
  'placement': (string);
  /**
   * When it is expected to finish (unset until admitted, and once final).
   */
  'eta': (_google_protobuf_Timestamp__Output | null);
  /**
   * Why it failed or was cancelled.
   */
  'error': (string);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
  'startedAt': (_google_protobuf_Timestamp__Output | null);
  'finishedAt': (_google_protobuf_Timestamp__Output | null);
  /**
   * Items may still be uploaded (a batch that declared its size runs while
   * its upload is open).
   */
  'uploadOpen': (boolean);
  /**
   * The size its header declared (0: none).
   */
  'declaredItems': (string);
  'declaredTokens': (string);
}
