// Original file: proto/nightshift/v1/jobs.proto

import type { Job as _nightshift_v1_Job, Job__Output as _nightshift_v1_Job__Output } from '../../nightshift/v1/Job.js';
import type { Error as _nightshift_v1_Error, Error__Output as _nightshift_v1_Error__Output } from '../../nightshift/v1/Error.js';

export interface SubmitStreamResponse {
  'requestId'?: (string);
  'job'?: (_nightshift_v1_Job | null);
  'error'?: (_nightshift_v1_Error | null);
  'outcome'?: "job"|"error";
}

export interface SubmitStreamResponse__Output {
  'requestId': (string);
  'job'?: (_nightshift_v1_Job__Output | null);
  'error'?: (_nightshift_v1_Error__Output | null);
  'outcome'?: "job"|"error";
}
