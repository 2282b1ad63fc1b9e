// Original file: proto/nightshift/v1/jobs.proto

import type { OpParams as _nightshift_v1_OpParams, OpParams__Output as _nightshift_v1_OpParams__Output } from '../../nightshift/v1/OpParams.js';
import type { JobState as _nightshift_v1_JobState, JobState__Output as _nightshift_v1_JobState__Output } from '../../nightshift/v1/JobState.js';
import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from '../../google/protobuf/Timestamp.js';
import type { JobResult as _nightshift_v1_JobResult, JobResult__Output as _nightshift_v1_JobResult__Output } from '../../nightshift/v1/JobResult.js';
import type { WindowQuote as _nightshift_v1_WindowQuote, WindowQuote__Output as _nightshift_v1_WindowQuote__Output } from '../../nightshift/v1/WindowQuote.js';
import type { Long } from '@grpc/proto-loader';

export interface Job {
  'id'?: (string);
  'tenant'?: (string);
  'op'?: (string);
  'params'?: (_nightshift_v1_OpParams | null);
  'state'?: (_nightshift_v1_JobState);
  'priority'?: (number);
  'clientRef'?: (string);
  /**
   * Sequence length after tokenization.
   */
  'tokenCount'?: (number);
  /**
   * The length bucket the job was queued in.
   */
  'bucket'?: (string);
  /**
   * Attempts started so far, and the most allowed.
   */
  'attempts'?: (number);
  'maxAttempts'?: (number);
  /**
   * The last error (worker message, or why it was cancelled).
   */
  'error'?: (string);
  'createdAt'?: (_google_protobuf_Timestamp | null);
  'startedAt'?: (_google_protobuf_Timestamp | null);
  'finishedAt'?: (_google_protobuf_Timestamp | null);
  /**
   * Set once SUCCEEDED (GetJob and ListJobs may leave it out).
   */
  'result'?: (_nightshift_v1_JobResult | null);
  /**
   * Kernel seconds the job's own work took on the worker.
   */
  'kernelSeconds'?: (number | string);
  'workerId'?: (string);
  /**
   * Bumped on every state change; orders a job's events.
   */
  'seq'?: (number | string | Long);
  /**
   * The batch of its latest attempt.
   */
  'batchId'?: (string);
  /**
   * The quote it was admitted with.
   */
  'quote'?: (_nightshift_v1_WindowQuote | null);
  /**
   * What its attempts cost: its share of each batch it ran in (US dollars).
   */
  'cost'?: (number | string);
  /**
   * When it must be finished by (unset: as soon as possible).
   */
  'deadline'?: (_google_protobuf_Timestamp | null);
  /**
   * Where admission placed it: the window it runs in (quote holds its
   * price), when that window is planned to take it, and why it was placed
   * there ("deferred to off-peak: …", "runs now: no deadline", …).
   */
  'plannedWindow'?: (string);
  'plannedStart'?: (_google_protobuf_Timestamp | null);
  'placement'?: (string);
  /**
   * Times a spot worker's preemption handed it back (these do not count as
   * attempts).
   */
  'preemptions'?: (number);
  /**
   * Its result came from the result cache: the same op, params and tokens
   * had been computed before (for this tenant, by default); nothing ran.
   */
  'cached'?: (boolean);
  /**
   * What it would have cost to run alone (a batch of one) on demand, US
   * dollars, by the cost model as it stood when the job ran (at admission,
   * for a cached job; 0 until then): what batching, windows and the cache
   * are measured against.
   */
  'alonePrice'?: (number | string);
}

export interface Job__Output {
  'id': (string);
  'tenant': (string);
  'op': (string);
  'params': (_nightshift_v1_OpParams__Output | null);
  'state': (_nightshift_v1_JobState__Output);
  'priority': (number);
  'clientRef': (string);
  /**
   * Sequence length after tokenization.
   */
  'tokenCount': (number);
  /**
   * The length bucket the job was queued in.
   */
  'bucket': (string);
  /**
   * Attempts started so far, and the most allowed.
   */
  'attempts': (number);
  'maxAttempts': (number);
  /**
   * The last error (worker message, or why it was cancelled).
   */
  'error': (string);
  'createdAt': (_google_protobuf_Timestamp__Output | null);
  'startedAt': (_google_protobuf_Timestamp__Output | null);
  'finishedAt': (_google_protobuf_Timestamp__Output | null);
  /**
   * Set once SUCCEEDED (GetJob and ListJobs may leave it out).
   */
  'result': (_nightshift_v1_JobResult__Output | null);
  /**
   * Kernel seconds the job's own work took on the worker.
   */
  'kernelSeconds': (number);
  'workerId': (string);
  /**
   * Bumped on every state change; orders a job's events.
   */
  'seq': (string);
  /**
   * The batch of its latest attempt.
   */
  'batchId': (string);
  /**
   * The quote it was admitted with.
   */
  'quote': (_nightshift_v1_WindowQuote__Output | null);
  /**
   * What its attempts cost: its share of each batch it ran in (US dollars).
   */
  'cost': (number);
  /**
   * When it must be finished by (unset: as soon as possible).
   */
  'deadline': (_google_protobuf_Timestamp__Output | null);
  /**
   * Where admission placed it: the window it runs in (quote holds its
   * price), when that window is planned to take it, and why it was placed
   * there ("deferred to off-peak: …", "runs now: no deadline", …).
   */
  'plannedWindow': (string);
  'plannedStart': (_google_protobuf_Timestamp__Output | null);
  'placement': (string);
  /**
   * Times a spot worker's preemption handed it back (these do not count as
   * attempts).
   */
  'preemptions': (number);
  /**
   * Its result came from the result cache: the same op, params and tokens
   * had been computed before (for this tenant, by default); nothing ran.
   */
  'cached': (boolean);
  /**
   * What it would have cost to run alone (a batch of one) on demand, US
   * dollars, by the cost model as it stood when the job ran (at admission,
   * for a cached job; 0 until then): what batching, windows and the cache
   * are measured against.
   */
  'alonePrice': (number);
}
