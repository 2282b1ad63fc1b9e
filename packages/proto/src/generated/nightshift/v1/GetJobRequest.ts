// Original file: proto/nightshift/v1/jobs.proto


export interface GetJobRequest {
  'jobId'?: (string);
  /**
   * Leave the result out (it can be large).
   */
  'omitResult'?: (boolean);
}

export interface GetJobRequest__Output {
  'jobId': (string);
  /**
   * Leave the result out (it can be large).
   */
  'omitResult': (boolean);
}
