// Original file: proto/nightshift/v1/batches.proto

import type { OpParams as _nightshift_v1_OpParams, OpParams__Output as _nightshift_v1_OpParams__Output } from '../../nightshift/v1/OpParams.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface BatchHeader {
  /**
   * "minhash", "embed" or "attention".
   */
  'op'?: (string);
  'params'?: (_nightshift_v1_OpParams | null);
  /**
   * Higher runs first among bulk work; interactive jobs always go first.
   */
  'priority'?: (number);
  /**
   * When the batch must be finished by; with completion_window_seconds,
   * the earlier counts. A batch with either is heavy work: it may be placed
   * in a cheaper window that still finishes it in time.
   */
  'deadline'?: (_google_protobuf_Timestamp | null);
  'completionWindowSeconds'?: (number);
  /**
   * The most the whole batch may cost, US dollars; 0: no limit.
   */
  'maxCost'?: (number | string);
  /**
   * Names the upload, so that a cut one resumes. At most 256 characters.
   * Empty: the server makes one (the upload cannot resume).
   */
  'idempotencyKey'?: (string);
  /**
   * Free-form, kept and returned. At most 32, keys and values ≤ 256 chars.
   */
  'labels'?: ({[key: string]: string});
  /**
   * The index of the first item this stream sends (see CreateBatch).
   */
  'firstItem'?: (number | string | Long);
  /**
   * Attempts a unit gets before its items fail, 1 … 20; 0: the default.
   */
  'maxAttempts'?: (number);
  /**
   * The batch's size, declared up front: its items, and its tokens at most
   * (for text items their UTF-8 bytes bound their tokens). Both or neither.
   * A batch that declares its size is priced from it, placed and reserved
   * at once, before any item is stored (refused whole there, or admitted),
   * and its units start as soon as they are planned, while the upload goes
   * on. The upload may not pass either figure: the item that would fails
   * the call (FAILED_PRECONDITION) and the batch. At the close, the
   * reservation is trued up to the quote of what was uploaded. Without a
   * declared size, a batch is priced and admitted when its upload closes.
   */
  'declaredItems'?: (number | string | Long);
  'declaredTokens'?: (number | string | Long);
}

export interface BatchHeader__Output {
  /**
   * "minhash", "embed" or "attention".
   */
  'op': (string);
  'params': (_nightshift_v1_OpParams__Output | null);
  /**
   * Higher runs first among bulk work; interactive jobs always go first.
   */
  'priority': (number);
  /**
   * When the batch must be finished by; with completion_window_seconds,
   * the earlier counts. A batch with either is heavy work: it may be placed
   * in a cheaper window that still finishes it in time.
   */
  'deadline': (_google_protobuf_Timestamp__Output | null);
  'completionWindowSeconds': (number);
  /**
   * The most the whole batch may cost, US dollars; 0: no limit.
   */
  'maxCost': (number);
  /**
   * Names the upload, so that a cut one resumes. At most 256 characters.
   * Empty: the server makes one (the upload cannot resume).
   */
  'idempotencyKey': (string);
  /**
   * Free-form, kept and returned. At most 32, keys and values ≤ 256 chars.
   */
  'labels': ({[key: string]: string});
  /**
   * The index of the first item this stream sends (see CreateBatch).
   */
  'firstItem': (string);
  /**
   * Attempts a unit gets before its items fail, 1 … 20; 0: the default.
   */
  'maxAttempts': (number);
  /**
   * The batch's size, declared up front: its items, and its tokens at most
   * (for text items their UTF-8 bytes bound their tokens). Both or neither.
   * A batch that declares its size is priced from it, placed and reserved
   * at once, before any item is stored (refused whole there, or admitted),
   * and its units start as soon as they are planned, while the upload goes
   * on. The upload may not pass either figure: the item that would fails
   * the call (FAILED_PRECONDITION) and the batch. At the close, the
   * reservation is trued up to the quote of what was uploaded. Without a
   * declared size, a batch is priced and admitted when its upload closes.
   */
  'declaredItems': (string);
  'declaredTokens': (string);
}
