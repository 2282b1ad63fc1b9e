// Original file: proto/nightshift/v1/worker.proto


/**
 * The outcomes of a packed request, in its order, without a message a job.
 */
export interface PackedOutcomes {
  /**
   * The results' element type: "u32" (minhash) or "f32" (embed, attention).
   */
  'kind'?: (string);
  /**
   * Every job's result back to back, 32-bit little-endian; job i's is
   * values[offsets[i] … offsets[i+1]) in elements; a failed job's is empty.
   */
  'values'?: (Buffer | Uint8Array | string);
  'offsets'?: (number)[];
  /**
   * The jobs that failed (by index), and why.
   */
  'failed'?: (number)[];
  'errors'?: (string)[];
  /**
   * Kernel seconds of each segment of the request (one entry when it sent
   * none): the cost model learns from each kernel batch.
   */
  'segmentSeconds'?: (number | string)[];
}

/**
 * The outcomes of a packed request, in its order, without a message a job.
 */
export interface PackedOutcomes__Output {
  /**
   * The results' element type: "u32" (minhash) or "f32" (embed, attention).
   */
  'kind': (string);
  /**
   * Every job's result back to back, 32-bit little-endian; job i's is
   * values[offsets[i] … offsets[i+1]) in elements; a failed job's is empty.
   */
  'values': (Buffer);
  'offsets': (number)[];
  /**
   * The jobs that failed (by index), and why.
   */
  'failed': (number)[];
  'errors': (string)[];
  /**
   * Kernel seconds of each segment of the request (one entry when it sent
   * none): the cost model learns from each kernel batch.
   */
  'segmentSeconds': (number)[];
}
