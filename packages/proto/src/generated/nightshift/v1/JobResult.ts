// Original file: proto/nightshift/v1/params.proto


/**
 * The result of one job: a minhash signature or a vector.
 */
export interface JobResult {
  /**
   * minhash: numPerm unsigned 32-bit values.
   */
  'signature'?: (number)[];
  /**
   * embed, attention: dim float32 values.
   */
  'vector'?: (number | string)[];
}

/**
 * The result of one job: a minhash signature or a vector.
 */
export interface JobResult__Output {
  /**
   * minhash: numPerm unsigned 32-bit values.
   */
  'signature': (number)[];
  /**
   * embed, attention: dim float32 values.
   */
  'vector': (number)[];
}
