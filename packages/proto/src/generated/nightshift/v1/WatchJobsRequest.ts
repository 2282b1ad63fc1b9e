// Original file: proto/nightshift/v1/jobs.proto


export interface WatchJobsRequest {
  /**
   * Jobs of the caller to follow; empty follows all the caller's jobs.
   */
  'jobIds'?: (string)[];
}

export interface WatchJobsRequest__Output {
  /**
   * Jobs of the caller to follow; empty follows all the caller's jobs.
   */
  'jobIds': (string)[];
}
