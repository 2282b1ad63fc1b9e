// Original file: proto/nightshift/v1/jobs.proto

import type { OpParams as _nightshift_v1_OpParams, OpParams__Output as _nightshift_v1_OpParams__Output } from '../../nightshift/v1/OpParams.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';

export interface JobSpec {
  /**
   * The kernel to run: "minhash", "embed" or "attention".
   */
  'op'?: (string);
  /**
   * The op's parameters; unset means the op's defaults.
   */
  'params'?: (_nightshift_v1_OpParams | null);
  /**
   * UTF-8 text, tokenized by the scheduler (o200k_base).
   */
  'text'?: (string);
  /**
   * Token ids as unsigned 32-bit little-endian integers, taken as they are.
   */
  'tokens'?: (Buffer | Uint8Array | string);
  /**
   * Higher runs first. 0 … 1,000,000; default 0.
   */
  'priority'?: (number);
  /**
   * Attempts before the job is FAILED, 1 … 20; 0 means the configured default.
   */
  'maxAttempts'?: (number);
  /**
   * The caller's own reference, echoed back (for example a JSONL custom_id).
   */
  'clientRef'?: (string);
  /**
   * The most the caller will pay for this job, US dollars; 0 means no limit.
   * A job quoted above it is refused (FAILED_PRECONDITION).
   */
  'maxCost'?: (number | string);
  /**
   * When the job must be finished by. A heavy job (see the scheduler's
   * deferral.heavyPrice) whose deadline leaves room may wait for a cheaper
   * window; without a deadline a job runs now. At most a year ahead.
   */
  'deadline'?: (_google_protobuf_Timestamp | null);
  /**
   * Or a completion window from submission, in seconds (86400 for 24 h, as
   * batch APIs offer); the earlier of the two counts when both are set.
   */
  'completionWindowSeconds'?: (number);
  /**
   * Makes a retried submission safe: a second job with the same key from the
   * same tenant is not created; the first job is returned instead (while the
   * first is kept, see the scheduler's jobs.retentionSeconds). At most 256
   * characters.
   */
  'idempotencyKey'?: (string);
  'payload'?: "text"|"tokens";
}

export interface JobSpec__Output {
  /**
   * The kernel to run: "minhash", "embed" or "attention".
   */
  'op': (string);
  /**
   * The op's parameters; unset means the op's defaults.
   */
  'params': (_nightshift_v1_OpParams__Output | null);
  /**
   * UTF-8 text, tokenized by the scheduler (o200k_base).
   */
  'text'?: (string);
  /**
   * Token ids as unsigned 32-bit little-endian integers, taken as they are.
   */
  'tokens'?: (Buffer);
  /**
   * Higher runs first. 0 … 1,000,000; default 0.
   */
  'priority': (number);
  /**
   * Attempts before the job is FAILED, 1 … 20; 0 means the configured default.
   */
  'maxAttempts': (number);
  /**
   * The caller's own reference, echoed back (for example a JSONL custom_id).
   */
  'clientRef': (string);
  /**
   * The most the caller will pay for this job, US dollars; 0 means no limit.
   * A job quoted above it is refused (FAILED_PRECONDITION).
   */
  'maxCost': (number);
  /**
   * When the job must be finished by. A heavy job (see the scheduler's
   * deferral.heavyPrice) whose deadline leaves room may wait for a cheaper
   * window; without a deadline a job runs now. At most a year ahead.
   */
  'deadline': (_google_protobuf_Timestamp__Output | null);
  /**
   * Or a completion window from submission, in seconds (86400 for 24 h, as
   * batch APIs offer); the earlier of the two counts when both are set.
   */
  'completionWindowSeconds': (number);
  /**
   * Makes a retried submission safe: a second job with the same key from the
   * same tenant is not created; the first job is returned instead (while the
   * first is kept, see the scheduler's jobs.retentionSeconds). At most 256
   * characters.
   */
  'idempotencyKey': (string);
  'payload'?: "text"|"tokens";
}
