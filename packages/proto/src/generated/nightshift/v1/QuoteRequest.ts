// Original file: proto/nightshift/v1/jobs.proto

import type { JobSpec as _nightshift_v1_JobSpec, JobSpec__Output as _nightshift_v1_JobSpec__Output } from '../../nightshift/v1/JobSpec.js';

export interface QuoteRequest {
  'job'?: (_nightshift_v1_JobSpec | null);
}

export interface QuoteRequest__Output {
  'job': (_nightshift_v1_JobSpec__Output | null);
}
