// Original file: proto/nightshift/v1/jobs.proto

import type { Job as _nightshift_v1_Job, Job__Output as _nightshift_v1_Job__Output } from '../../nightshift/v1/Job.js';

export interface ListJobsResponse {
  'jobs'?: (_nightshift_v1_Job)[];
  /**
   * Empty when there is no further page.
   */
  'nextPageToken'?: (string);
}

export interface ListJobsResponse__Output {
  'jobs': (_nightshift_v1_Job__Output)[];
  /**
   * Empty when there is no further page.
   */
  'nextPageToken': (string);
}
