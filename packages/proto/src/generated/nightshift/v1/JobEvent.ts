// Original file: proto/nightshift/v1/jobs.proto

import type { JobState as _nightshift_v1_JobState, JobState__Output as _nightshift_v1_JobState__Output } from '../../nightshift/v1/JobState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { Long } from '@grpc/proto-loader';

export interface JobEvent {
  'jobId'?: (string);
  'state'?: (_nightshift_v1_JobState);
  /**
   * The job's seq after this change: strictly increasing per job.
   */
  'seq'?: (number | string | Long);
  'at'?: (_google_protobuf_Timestamp | null);
  'attempts'?: (number);
  'error'?: (string);
  'workerId'?: (string);
  /**
   * Set when the job is DEFERRED: its planned window, start and price.
   */
  'plannedWindow'?: (string);
  'plannedStart'?: (_google_protobuf_Timestamp | null);
  'plannedPrice'?: (number | string);
}

export interface JobEvent__Output {
  'jobId': (string);
  'state': (_nightshift_v1_JobState__Output);
  /**
   * The job's seq after this change: strictly increasing per job.
   */
  'seq': (string);
  'at': (_google_protobuf_Timestamp__Output | null);
  'attempts': (number);
  'error': (string);
  'workerId': (string);
  /**
   * Set when the job is DEFERRED: its planned window, start and price.
   */
  'plannedWindow': (string);
  'plannedStart': (_google_protobuf_Timestamp__Output | null);
  'plannedPrice': (number);
}
