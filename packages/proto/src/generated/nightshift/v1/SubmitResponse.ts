// Original file: proto/nightshift/v1/jobs.proto

import type { Job as _nightshift_v1_Job, Job__Output as _nightshift_v1_Job__Output } from '../../nightshift/v1/Job.js';

export interface SubmitResponse {
  'job'?: (_nightshift_v1_Job | null);
}

export interface SubmitResponse__Output {
  'job': (_nightshift_v1_Job__Output | null);
}
