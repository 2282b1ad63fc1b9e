// Original file: proto/nightshift/v1/jobs.proto

import type { JobState as _nightshift_v1_JobState, JobState__Output as _nightshift_v1_JobState__Output } from '../../nightshift/v1/JobState.js';

export interface WatchJobsRequest {
  /**
   * Jobs of the caller to follow; empty follows all the caller's jobs.
   */
  'jobIds'?: (string)[];
  /**
   * Only changes into these states (the first event of each job included);
   * empty sends every change. A client waiting for results asks for the
   * final states and is spared two events in three.
   */
  'states'?: (_nightshift_v1_JobState)[];
}

export interface WatchJobsRequest__Output {
  /**
   * Jobs of the caller to follow; empty follows all the caller's jobs.
   */
  'jobIds': (string)[];
  /**
   * Only changes into these states (the first event of each job included);
   * empty sends every change. A client waiting for results asks for the
   * final states and is spared two events in three.
   */
  'states': (_nightshift_v1_JobState__Output)[];
}
