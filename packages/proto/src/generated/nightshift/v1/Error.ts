// Original file: proto/nightshift/v1/jobs.proto


/**
 * One request's failure inside a stream: a gRPC status code and its message.
 */
export interface Error {
  'code'?: (number);
  'message'?: (string);
  /**
   * Where waiting helps (a rate or budget limit), how long; 0 otherwise.
   * Unary calls carry the same in a `retry-after` trailer, in seconds.
   */
  'retryAfterSeconds'?: (number | string);
}

/**
 * One request's failure inside a stream: a gRPC status code and its message.
 */
export interface Error__Output {
  'code': (number);
  'message': (string);
  /**
   * Where waiting helps (a rate or budget limit), how long; 0 otherwise.
   * Unary calls carry the same in a `retry-after` trailer, in seconds.
   */
  'retryAfterSeconds': (number);
}
