// Original file: proto/nightshift/v1/jobs.proto

import type { Job as _nightshift_v1_Job, Job__Output as _nightshift_v1_Job__Output } from '../../nightshift/v1/Job.js';

export interface BatchGetJobsResponse {
  'jobs'?: (_nightshift_v1_Job)[];
}

export interface BatchGetJobsResponse__Output {
  'jobs': (_nightshift_v1_Job__Output)[];
}
