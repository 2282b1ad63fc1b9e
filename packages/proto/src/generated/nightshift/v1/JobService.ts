// Original file: proto/nightshift/v1/jobs.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { BatchGetJobsRequest as _nightshift_v1_BatchGetJobsRequest, BatchGetJobsRequest__Output as _nightshift_v1_BatchGetJobsRequest__Output } from '../../nightshift/v1/BatchGetJobsRequest.js';
import type { BatchGetJobsResponse as _nightshift_v1_BatchGetJobsResponse, BatchGetJobsResponse__Output as _nightshift_v1_BatchGetJobsResponse__Output } from '../../nightshift/v1/BatchGetJobsResponse.js';
import type { CancelJobRequest as _nightshift_v1_CancelJobRequest, CancelJobRequest__Output as _nightshift_v1_CancelJobRequest__Output } from '../../nightshift/v1/CancelJobRequest.js';
import type { Fleet as _nightshift_v1_Fleet, Fleet__Output as _nightshift_v1_Fleet__Output } from '../../nightshift/v1/Fleet.js';
import type { GetFleetRequest as _nightshift_v1_GetFleetRequest, GetFleetRequest__Output as _nightshift_v1_GetFleetRequest__Output } from '../../nightshift/v1/GetFleetRequest.js';
import type { GetJobRequest as _nightshift_v1_GetJobRequest, GetJobRequest__Output as _nightshift_v1_GetJobRequest__Output } from '../../nightshift/v1/GetJobRequest.js';
import type { GetUsageRequest as _nightshift_v1_GetUsageRequest, GetUsageRequest__Output as _nightshift_v1_GetUsageRequest__Output } from '../../nightshift/v1/GetUsageRequest.js';
import type { Job as _nightshift_v1_Job, Job__Output as _nightshift_v1_Job__Output } from '../../nightshift/v1/Job.js';
import type { JobEvent as _nightshift_v1_JobEvent, JobEvent__Output as _nightshift_v1_JobEvent__Output } from '../../nightshift/v1/JobEvent.js';
import type { ListJobsRequest as _nightshift_v1_ListJobsRequest, ListJobsRequest__Output as _nightshift_v1_ListJobsRequest__Output } from '../../nightshift/v1/ListJobsRequest.js';
import type { ListJobsResponse as _nightshift_v1_ListJobsResponse, ListJobsResponse__Output as _nightshift_v1_ListJobsResponse__Output } from '../../nightshift/v1/ListJobsResponse.js';
import type { PurgeCacheRequest as _nightshift_v1_PurgeCacheRequest, PurgeCacheRequest__Output as _nightshift_v1_PurgeCacheRequest__Output } from '../../nightshift/v1/PurgeCacheRequest.js';
import type { PurgeCacheResponse as _nightshift_v1_PurgeCacheResponse, PurgeCacheResponse__Output as _nightshift_v1_PurgeCacheResponse__Output } from '../../nightshift/v1/PurgeCacheResponse.js';
import type { QuoteRequest as _nightshift_v1_QuoteRequest, QuoteRequest__Output as _nightshift_v1_QuoteRequest__Output } from '../../nightshift/v1/QuoteRequest.js';
import type { QuoteResponse as _nightshift_v1_QuoteResponse, QuoteResponse__Output as _nightshift_v1_QuoteResponse__Output } from '../../nightshift/v1/QuoteResponse.js';
import type { SubmitRequest as _nightshift_v1_SubmitRequest, SubmitRequest__Output as _nightshift_v1_SubmitRequest__Output } from '../../nightshift/v1/SubmitRequest.js';
import type { SubmitResponse as _nightshift_v1_SubmitResponse, SubmitResponse__Output as _nightshift_v1_SubmitResponse__Output } from '../../nightshift/v1/SubmitResponse.js';
import type { SubmitStreamRequest as _nightshift_v1_SubmitStreamRequest, SubmitStreamRequest__Output as _nightshift_v1_SubmitStreamRequest__Output } from '../../nightshift/v1/SubmitStreamRequest.js';
import type { SubmitStreamResponse as _nightshift_v1_SubmitStreamResponse, SubmitStreamResponse__Output as _nightshift_v1_SubmitStreamResponse__Output } from '../../nightshift/v1/SubmitStreamResponse.js';
import type { Usage as _nightshift_v1_Usage, Usage__Output as _nightshift_v1_Usage__Output } from '../../nightshift/v1/Usage.js';
import type { WatchJobsRequest as _nightshift_v1_WatchJobsRequest, WatchJobsRequest__Output as _nightshift_v1_WatchJobsRequest__Output } from '../../nightshift/v1/WatchJobsRequest.js';

/**
 * The API that services and pipelines use to submit and follow jobs.
 * Every call acts for the tenant named in the request metadata
 * (`x-nightshift-tenant`); a tenant sees only its own jobs.
 */
export interface JobServiceClient extends grpc.Client {
  /**
   * Up to 1000 jobs at once, in the order asked; NOT_FOUND naming the first
   * id that is not the caller's job.
   */
  BatchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  BatchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  BatchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  BatchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Up to 1000 jobs at once, in the order asked; NOT_FOUND naming the first
   * id that is not the caller's job.
   */
  batchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  batchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  batchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  batchGetJobs(argument: _nightshift_v1_BatchGetJobsRequest, callback: grpc.requestCallback<_nightshift_v1_BatchGetJobsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Cancel a deferred, queued or running job; a running job's result is
   * discarded, a deferred job's budget reservation released.
   */
  CancelJob(argument: _nightshift_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _nightshift_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _nightshift_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  CancelJob(argument: _nightshift_v1_CancelJobRequest, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  /**
   * Cancel a deferred, queued or running job; a running job's result is
   * discarded, a deferred job's budget reservation released.
   */
  cancelJob(argument: _nightshift_v1_CancelJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _nightshift_v1_CancelJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _nightshift_v1_CancelJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  cancelJob(argument: _nightshift_v1_CancelJobRequest, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * Admin keys only (PERMISSION_DENIED otherwise): the workers this replica
   * dispatches to, and every tenant's usage in its current period.
   */
  GetFleet(argument: _nightshift_v1_GetFleetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  GetFleet(argument: _nightshift_v1_GetFleetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  GetFleet(argument: _nightshift_v1_GetFleetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  GetFleet(argument: _nightshift_v1_GetFleetRequest, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  /**
   * Admin keys only (PERMISSION_DENIED otherwise): the workers this replica
   * dispatches to, and every tenant's usage in its current period.
   */
  getFleet(argument: _nightshift_v1_GetFleetRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  getFleet(argument: _nightshift_v1_GetFleetRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  getFleet(argument: _nightshift_v1_GetFleetRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  getFleet(argument: _nightshift_v1_GetFleetRequest, callback: grpc.requestCallback<_nightshift_v1_Fleet__Output>): grpc.ClientUnaryCall;
  
  GetJob(argument: _nightshift_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _nightshift_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _nightshift_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  GetJob(argument: _nightshift_v1_GetJobRequest, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _nightshift_v1_GetJobRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _nightshift_v1_GetJobRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _nightshift_v1_GetJobRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  getJob(argument: _nightshift_v1_GetJobRequest, callback: grpc.requestCallback<_nightshift_v1_Job__Output>): grpc.ClientUnaryCall;
  
  /**
   * The caller's spend, reservations, budget and tokens in the current and
   * the previous budget period.
   */
  GetUsage(argument: _nightshift_v1_GetUsageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  GetUsage(argument: _nightshift_v1_GetUsageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  GetUsage(argument: _nightshift_v1_GetUsageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  GetUsage(argument: _nightshift_v1_GetUsageRequest, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  /**
   * The caller's spend, reservations, budget and tokens in the current and
   * the previous budget period.
   */
  getUsage(argument: _nightshift_v1_GetUsageRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  getUsage(argument: _nightshift_v1_GetUsageRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  getUsage(argument: _nightshift_v1_GetUsageRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  getUsage(argument: _nightshift_v1_GetUsageRequest, callback: grpc.requestCallback<_nightshift_v1_Usage__Output>): grpc.ClientUnaryCall;
  
  /**
   * The caller's jobs, oldest first, optionally only in some states.
   */
  ListJobs(argument: _nightshift_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _nightshift_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _nightshift_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  ListJobs(argument: _nightshift_v1_ListJobsRequest, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The caller's jobs, oldest first, optionally only in some states.
   */
  listJobs(argument: _nightshift_v1_ListJobsRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _nightshift_v1_ListJobsRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _nightshift_v1_ListJobsRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  listJobs(argument: _nightshift_v1_ListJobsRequest, callback: grpc.requestCallback<_nightshift_v1_ListJobsResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Admin keys only: removes from the result cache every result the given
   * worker computed (a worker found untrustworthy), so that no later job
   * reuses them.
   */
  PurgeCache(argument: _nightshift_v1_PurgeCacheRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  PurgeCache(argument: _nightshift_v1_PurgeCacheRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  PurgeCache(argument: _nightshift_v1_PurgeCacheRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  PurgeCache(argument: _nightshift_v1_PurgeCacheRequest, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Admin keys only: removes from the result cache every result the given
   * worker computed (a worker found untrustworthy), so that no later job
   * reuses them.
   */
  purgeCache(argument: _nightshift_v1_PurgeCacheRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  purgeCache(argument: _nightshift_v1_PurgeCacheRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  purgeCache(argument: _nightshift_v1_PurgeCacheRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  purgeCache(argument: _nightshift_v1_PurgeCacheRequest, callback: grpc.requestCallback<_nightshift_v1_PurgeCacheResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * What a job would cost and when it would finish, in each capacity window,
   * without submitting it.
   */
  Quote(argument: _nightshift_v1_QuoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  Quote(argument: _nightshift_v1_QuoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  Quote(argument: _nightshift_v1_QuoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  Quote(argument: _nightshift_v1_QuoteRequest, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What a job would cost and when it would finish, in each capacity window,
   * without submitting it.
   */
  quote(argument: _nightshift_v1_QuoteRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  quote(argument: _nightshift_v1_QuoteRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  quote(argument: _nightshift_v1_QuoteRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  quote(argument: _nightshift_v1_QuoteRequest, callback: grpc.requestCallback<_nightshift_v1_QuoteResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Admit one job.
   */
  Submit(argument: _nightshift_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _nightshift_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _nightshift_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  Submit(argument: _nightshift_v1_SubmitRequest, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Admit one job.
   */
  submit(argument: _nightshift_v1_SubmitRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _nightshift_v1_SubmitRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _nightshift_v1_SubmitRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  submit(argument: _nightshift_v1_SubmitRequest, callback: grpc.requestCallback<_nightshift_v1_SubmitResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Admit many jobs over one stream: one reply per request, in order, each
   * either the admitted job or that request's own error. A bad request never
   * ends the stream.
   */
  SubmitStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_nightshift_v1_SubmitStreamRequest, _nightshift_v1_SubmitStreamResponse__Output>;
  SubmitStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_nightshift_v1_SubmitStreamRequest, _nightshift_v1_SubmitStreamResponse__Output>;
  /**
   * Admit many jobs over one stream: one reply per request, in order, each
   * either the admitted job or that request's own error. A bad request never
   * ends the stream.
   */
  submitStream(metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientDuplexStream<_nightshift_v1_SubmitStreamRequest, _nightshift_v1_SubmitStreamResponse__Output>;
  submitStream(options?: grpc.CallOptions): grpc.ClientDuplexStream<_nightshift_v1_SubmitStreamRequest, _nightshift_v1_SubmitStreamResponse__Output>;
  
  /**
   * Every state change of the given jobs (each first sent as it stands), or
   * of all the caller's jobs from now on when no id is given. With ids, the
   * stream ends once each of them has reached a final state, whichever
   * states it sends.
   */
  WatchJobs(argument: _nightshift_v1_WatchJobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_JobEvent__Output>;
  WatchJobs(argument: _nightshift_v1_WatchJobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_JobEvent__Output>;
  /**
   * Every state change of the given jobs (each first sent as it stands), or
   * of all the caller's jobs from now on when no id is given. With ids, the
   * stream ends once each of them has reached a final state, whichever
   * states it sends.
   */
  watchJobs(argument: _nightshift_v1_WatchJobsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_JobEvent__Output>;
  watchJobs(argument: _nightshift_v1_WatchJobsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_JobEvent__Output>;
  
}

/**
 * The API that services and pipelines use to submit and follow jobs.
 * Every call acts for the tenant named in the request metadata
 * (`x-nightshift-tenant`); a tenant sees only its own jobs.
 */
export interface JobServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Up to 1000 jobs at once, in the order asked; NOT_FOUND naming the first
   * id that is not the caller's job.
   */
  BatchGetJobs: grpc.handleUnaryCall<_nightshift_v1_BatchGetJobsRequest__Output, _nightshift_v1_BatchGetJobsResponse>;
  
  /**
   * Cancel a deferred, queued or running job; a running job's result is
   * discarded, a deferred job's budget reservation released.
   */
  CancelJob: grpc.handleUnaryCall<_nightshift_v1_CancelJobRequest__Output, _nightshift_v1_Job>;
  
  /**
   * Admin keys only (PERMISSION_DENIED otherwise): the workers this replica
   * dispatches to, and every tenant's usage in its current period.
   */
  GetFleet: grpc.handleUnaryCall<_nightshift_v1_GetFleetRequest__Output, _nightshift_v1_Fleet>;
  
  GetJob: grpc.handleUnaryCall<_nightshift_v1_GetJobRequest__Output, _nightshift_v1_Job>;
  
  /**
   * The caller's spend, reservations, budget and tokens in the current and
   * the previous budget period.
   */
  GetUsage: grpc.handleUnaryCall<_nightshift_v1_GetUsageRequest__Output, _nightshift_v1_Usage>;
  
  /**
   * The caller's jobs, oldest first, optionally only in some states.
   */
  ListJobs: grpc.handleUnaryCall<_nightshift_v1_ListJobsRequest__Output, _nightshift_v1_ListJobsResponse>;
  
  /**
   * Admin keys only: removes from the result cache every result the given
   * worker computed (a worker found untrustworthy), so that no later job
   * reuses them.
   */
  PurgeCache: grpc.handleUnaryCall<_nightshift_v1_PurgeCacheRequest__Output, _nightshift_v1_PurgeCacheResponse>;
  
  /**
   * What a job would cost and when it would finish, in each capacity window,
   * without submitting it.
   */
  Quote: grpc.handleUnaryCall<_nightshift_v1_QuoteRequest__Output, _nightshift_v1_QuoteResponse>;
  
  /**
   * Admit one job.
   */
  Submit: grpc.handleUnaryCall<_nightshift_v1_SubmitRequest__Output, _nightshift_v1_SubmitResponse>;
  
  /**
   * Admit many jobs over one stream: one reply per request, in order, each
   * either the admitted job or that request's own error. A bad request never
   * ends the stream.
   */
  SubmitStream: grpc.handleBidiStreamingCall<_nightshift_v1_SubmitStreamRequest__Output, _nightshift_v1_SubmitStreamResponse>;
  
  /**
   * Every state change of the given jobs (each first sent as it stands), or
   * of all the caller's jobs from now on when no id is given. With ids, the
   * stream ends once each of them has reached a final state, whichever
   * states it sends.
   */
  WatchJobs: grpc.handleServerStreamingCall<_nightshift_v1_WatchJobsRequest__Output, _nightshift_v1_JobEvent>;
  
}

export interface JobServiceDefinition extends grpc.ServiceDefinition {
  BatchGetJobs: MethodDefinition<_nightshift_v1_BatchGetJobsRequest, _nightshift_v1_BatchGetJobsResponse, _nightshift_v1_BatchGetJobsRequest__Output, _nightshift_v1_BatchGetJobsResponse__Output>
  CancelJob: MethodDefinition<_nightshift_v1_CancelJobRequest, _nightshift_v1_Job, _nightshift_v1_CancelJobRequest__Output, _nightshift_v1_Job__Output>
  GetFleet: MethodDefinition<_nightshift_v1_GetFleetRequest, _nightshift_v1_Fleet, _nightshift_v1_GetFleetRequest__Output, _nightshift_v1_Fleet__Output>
  GetJob: MethodDefinition<_nightshift_v1_GetJobRequest, _nightshift_v1_Job, _nightshift_v1_GetJobRequest__Output, _nightshift_v1_Job__Output>
  GetUsage: MethodDefinition<_nightshift_v1_GetUsageRequest, _nightshift_v1_Usage, _nightshift_v1_GetUsageRequest__Output, _nightshift_v1_Usage__Output>
  ListJobs: MethodDefinition<_nightshift_v1_ListJobsRequest, _nightshift_v1_ListJobsResponse, _nightshift_v1_ListJobsRequest__Output, _nightshift_v1_ListJobsResponse__Output>
  PurgeCache: MethodDefinition<_nightshift_v1_PurgeCacheRequest, _nightshift_v1_PurgeCacheResponse, _nightshift_v1_PurgeCacheRequest__Output, _nightshift_v1_PurgeCacheResponse__Output>
  Quote: MethodDefinition<_nightshift_v1_QuoteRequest, _nightshift_v1_QuoteResponse, _nightshift_v1_QuoteRequest__Output, _nightshift_v1_QuoteResponse__Output>
  Submit: MethodDefinition<_nightshift_v1_SubmitRequest, _nightshift_v1_SubmitResponse, _nightshift_v1_SubmitRequest__Output, _nightshift_v1_SubmitResponse__Output>
  SubmitStream: MethodDefinition<_nightshift_v1_SubmitStreamRequest, _nightshift_v1_SubmitStreamResponse, _nightshift_v1_SubmitStreamRequest__Output, _nightshift_v1_SubmitStreamResponse__Output>
  WatchJobs: MethodDefinition<_nightshift_v1_WatchJobsRequest, _nightshift_v1_JobEvent, _nightshift_v1_WatchJobsRequest__Output, _nightshift_v1_JobEvent__Output>
}
