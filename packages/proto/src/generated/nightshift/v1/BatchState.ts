// Original file: proto/nightshift/v1/batches.proto

export const BatchState = {
  BATCH_STATE_UNSPECIFIED: 'BATCH_STATE_UNSPECIFIED',
  /**
   * Items are being uploaded (a batch that declared its size is admitted at
   * once, and shows QUEUED, DEFERRED or RUNNING with upload_open instead).
   */
  BATCH_STATE_UPLOADING: 'BATCH_STATE_UPLOADING',
  /**
   * Upload closed; being planned and priced.
   */
  BATCH_STATE_VALIDATING: 'BATCH_STATE_VALIDATING',
  /**
   * Admitted; its units are released to the workers at their turn.
   */
  BATCH_STATE_QUEUED: 'BATCH_STATE_QUEUED',
  /**
   * Placed in a cheaper capacity window (planned_window), released at
   * planned_start.
   */
  BATCH_STATE_DEFERRED: 'BATCH_STATE_DEFERRED',
  /**
   * Some unit has run or is running.
   */
  BATCH_STATE_RUNNING: 'BATCH_STATE_RUNNING',
  /**
   * Every item has its outcome (some items may have failed: see items).
   */
  BATCH_STATE_SUCCEEDED: 'BATCH_STATE_SUCCEEDED',
  /**
   * Refused at admission, or stopped by an error; `error` says why.
   */
  BATCH_STATE_FAILED: 'BATCH_STATE_FAILED',
  BATCH_STATE_CANCELLED: 'BATCH_STATE_CANCELLED',
} as const;

export type BatchState =
  | 'BATCH_STATE_UNSPECIFIED'
  | 0
  /**
   * Items are being uploaded (a batch that declared its size is admitted at
   * once, and shows QUEUED, DEFERRED or RUNNING with upload_open instead).
   */
  | 'BATCH_STATE_UPLOADING'
  | 1
  /**
   * Upload closed; being planned and priced.
   */
  | 'BATCH_STATE_VALIDATING'
  | 2
  /**
   * Admitted; its units are released to the workers at their turn.
   */
  | 'BATCH_STATE_QUEUED'
  | 3
  /**
   * Placed in a cheaper capacity window (planned_window), released at
   * planned_start.
   */
  | 'BATCH_STATE_DEFERRED'
  | 4
  /**
   * Some unit has run or is running.
   */
  | 'BATCH_STATE_RUNNING'
  | 5
  /**
   * Every item has its outcome (some items may have failed: see items).
   */
  | 'BATCH_STATE_SUCCEEDED'
  | 6
  /**
   * Refused at admission, or stopped by an error; `error` says why.
   */
  | 'BATCH_STATE_FAILED'
  | 7
  | 'BATCH_STATE_CANCELLED'
  | 8

export type BatchState__Output = typeof BatchState[keyof typeof BatchState]
