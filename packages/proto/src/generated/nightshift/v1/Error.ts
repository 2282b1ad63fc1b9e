// Original file: proto/nightshift/v1/jobs.proto


/**
 * One request's failure inside a stream: a gRPC status code and its message.
 */
export interface Error {
  'code'?: (number);
  'message'?: (string);
}

/**
 * One request's failure inside a stream: a gRPC status code and its message.
 */
export interface Error__Output {
  'code': (number);
  'message': (string);
}
