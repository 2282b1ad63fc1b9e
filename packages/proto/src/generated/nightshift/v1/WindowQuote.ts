// Original file: proto/nightshift/v1/jobs.proto

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

/**
 * A job's predicted cost in one capacity window: on-demand (always open), or
 * a window of the scheduler's calendar (off-peak, spot).
 */
export interface WindowQuote {
  'window'?: (string);
  /**
   * The worker class it is priced for.
   */
  'workerClass'?: (string);
  /**
   * The job's share of its predicted batch's kernel seconds.
   */
  'predictedSeconds'?: (number | string);
  /**
   * US dollars: predicted_seconds at the window's price for the class.
   */
  'price'?: (number | string);
  /**
   * When it would finish, given the work queued ahead of it (on-demand) or
   * the window's next opening (other windows).
   */
  'finishAt'?: (_google_protobuf_Timestamp | null);
  /**
   * How far to trust it: the cost model's mean absolute percentage error on
   * recent batches (-1 before it has learned from any), and batches learned.
   */
  'modelError'?: (number | string);
  'modelBatches'?: (number);
}

/**
 * A job's predicted cost in one capacity window: on-demand (always open), or
 * a window of the scheduler's calendar (off-peak, spot).
 */
export interface WindowQuote__Output {
  'window': (string);
  /**
   * The worker class it is priced for.
   */
  'workerClass': (string);
  /**
   * The job's share of its predicted batch's kernel seconds.
   */
  'predictedSeconds': (number);
  /**
   * US dollars: predicted_seconds at the window's price for the class.
   */
  'price': (number);
  /**
   * When it would finish, given the work queued ahead of it (on-demand) or
   * the window's next opening (other windows).
   */
  'finishAt': (_google_protobuf_Timestamp__Output | null);
  /**
   * How far to trust it: the cost model's mean absolute percentage error on
   * recent batches (-1 before it has learned from any), and batches learned.
   */
  'modelError': (number);
  'modelBatches': (number);
}
