// Original file: proto/nightshift/v1/worker.proto

import type { OpParams as _nightshift_v1_OpParams, OpParams__Output as _nightshift_v1_OpParams__Output } from '../../nightshift/v1/OpParams.js';

export interface RunBatchRequest {
  'batchId'?: (string);
  'op'?: (string);
  'params'?: (_nightshift_v1_OpParams | null);
  /**
   * The jobs, in order.
   */
  'jobIds'?: (string)[];
  /**
   * Every job's token ids back to back, unsigned 32-bit little-endian.
   */
  'tokens'?: (Buffer | Uint8Array | string);
  /**
   * job i's tokens are tokens[offsets[i] … offsets[i+1]) in token units;
   * job_ids.length + 1 entries, the first 0 and the last the token count.
   */
  'offsets'?: (number)[];
  /**
   * A unit of a batch object: job_ids may be empty (the jobs are counted by
   * offsets), and the reply carries `packed` instead of one outcome a job.
   */
  'packed'?: (boolean);
  /**
   * Packed only: the unit's kernel batches, items of near-equal length each,
   * as boundaries: batch k is jobs [segments[k], segments[k+1]); the first 0,
   * the last the job count. Empty: one batch. A backend that pads (the GPU
   * path) pads each on its own; the reply reports each one's seconds.
   */
  'segments'?: (number)[];
}

export interface RunBatchRequest__Output {
  'batchId': (string);
  'op': (string);
  'params': (_nightshift_v1_OpParams__Output | null);
  /**
   * The jobs, in order.
   */
  'jobIds': (string)[];
  /**
   * Every job's token ids back to back, unsigned 32-bit little-endian.
   */
  'tokens': (Buffer);
  /**
   * job i's tokens are tokens[offsets[i] … offsets[i+1]) in token units;
   * job_ids.length + 1 entries, the first 0 and the last the token count.
   */
  'offsets': (number)[];
  /**
   * A unit of a batch object: job_ids may be empty (the jobs are counted by
   * offsets), and the reply carries `packed` instead of one outcome a job.
   */
  'packed': (boolean);
  /**
   * Packed only: the unit's kernel batches, items of near-equal length each,
   * as boundaries: batch k is jobs [segments[k], segments[k+1]); the first 0,
   * the last the job count. Empty: one batch. A backend that pads (the GPU
   * path) pads each on its own; the reply reports each one's seconds.
   */
  'segments': (number)[];
}
