// Original file: proto/nightshift/v1/jobs.proto

import type { JobState as _nightshift_v1_JobState, JobState__Output as _nightshift_v1_JobState__Output } from '../../nightshift/v1/JobState.js';

export interface ListJobsRequest {
  /**
   * Only jobs in these states; empty means all.
   */
  'states'?: (_nightshift_v1_JobState)[];
  /**
   * 1 … 1000; 0 means 100.
   */
  'pageSize'?: (number);
  /**
   * From a previous reply's next_page_token.
   */
  'pageToken'?: (string);
}

export interface ListJobsRequest__Output {
  /**
   * Only jobs in these states; empty means all.
   */
  'states': (_nightshift_v1_JobState__Output)[];
  /**
   * 1 … 1000; 0 means 100.
   */
  'pageSize': (number);
  /**
   * From a previous reply's next_page_token.
   */
  'pageToken': (string);
}
