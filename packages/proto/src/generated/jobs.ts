import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { Timestamp as _google_protobuf_Timestamp, Timestamp__Output as _google_protobuf_Timestamp__Output } from './google/protobuf/Timestamp.js';
import type { AttentionParams as _nightshift_v1_AttentionParams, AttentionParams__Output as _nightshift_v1_AttentionParams__Output } from './nightshift/v1/AttentionParams.js';
import type { BatchGetJobsRequest as _nightshift_v1_BatchGetJobsRequest, BatchGetJobsRequest__Output as _nightshift_v1_BatchGetJobsRequest__Output } from './nightshift/v1/BatchGetJobsRequest.js';
import type { BatchGetJobsResponse as _nightshift_v1_BatchGetJobsResponse, BatchGetJobsResponse__Output as _nightshift_v1_BatchGetJobsResponse__Output } from './nightshift/v1/BatchGetJobsResponse.js';
import type { CancelJobRequest as _nightshift_v1_CancelJobRequest, CancelJobRequest__Output as _nightshift_v1_CancelJobRequest__Output } from './nightshift/v1/CancelJobRequest.js';
import type { EmbedParams as _nightshift_v1_EmbedParams, EmbedParams__Output as _nightshift_v1_EmbedParams__Output } from './nightshift/v1/EmbedParams.js';
import type { Error as _nightshift_v1_Error, Error__Output as _nightshift_v1_Error__Output } from './nightshift/v1/Error.js';
import type { Fleet as _nightshift_v1_Fleet, Fleet__Output as _nightshift_v1_Fleet__Output } from './nightshift/v1/Fleet.js';
import type { FleetWorker as _nightshift_v1_FleetWorker, FleetWorker__Output as _nightshift_v1_FleetWorker__Output } from './nightshift/v1/FleetWorker.js';
import type { GetFleetRequest as _nightshift_v1_GetFleetRequest, GetFleetRequest__Output as _nightshift_v1_GetFleetRequest__Output } from './nightshift/v1/GetFleetRequest.js';
import type { GetJobRequest as _nightshift_v1_GetJobRequest, GetJobRequest__Output as _nightshift_v1_GetJobRequest__Output } from './nightshift/v1/GetJobRequest.js';
import type { GetUsageRequest as _nightshift_v1_GetUsageRequest, GetUsageRequest__Output as _nightshift_v1_GetUsageRequest__Output } from './nightshift/v1/GetUsageRequest.js';
import type { Job as _nightshift_v1_Job, Job__Output as _nightshift_v1_Job__Output } from './nightshift/v1/Job.js';
import type { JobEvent as _nightshift_v1_JobEvent, JobEvent__Output as _nightshift_v1_JobEvent__Output } from './nightshift/v1/JobEvent.js';
import type { JobResult as _nightshift_v1_JobResult, JobResult__Output as _nightshift_v1_JobResult__Output } from './nightshift/v1/JobResult.js';
import type { JobServiceClient as _nightshift_v1_JobServiceClient, JobServiceDefinition as _nightshift_v1_JobServiceDefinition } from './nightshift/v1/JobService.js';
import type { JobSpec as _nightshift_v1_JobSpec, JobSpec__Output as _nightshift_v1_JobSpec__Output } from './nightshift/v1/JobSpec.js';
import type { ListJobsRequest as _nightshift_v1_ListJobsRequest, ListJobsRequest__Output as _nightshift_v1_ListJobsRequest__Output } from './nightshift/v1/ListJobsRequest.js';
import type { ListJobsResponse as _nightshift_v1_ListJobsResponse, ListJobsResponse__Output as _nightshift_v1_ListJobsResponse__Output } from './nightshift/v1/ListJobsResponse.js';
import type { MinhashParams as _nightshift_v1_MinhashParams, MinhashParams__Output as _nightshift_v1_MinhashParams__Output } from './nightshift/v1/MinhashParams.js';
import type { OpParams as _nightshift_v1_OpParams, OpParams__Output as _nightshift_v1_OpParams__Output } from './nightshift/v1/OpParams.js';
import type { PeriodUsage as _nightshift_v1_PeriodUsage, PeriodUsage__Output as _nightshift_v1_PeriodUsage__Output } from './nightshift/v1/PeriodUsage.js';
import type { PurgeCacheRequest as _nightshift_v1_PurgeCacheRequest, PurgeCacheRequest__Output as _nightshift_v1_PurgeCacheRequest__Output } from './nightshift/v1/PurgeCacheRequest.js';
import type { PurgeCacheResponse as _nightshift_v1_PurgeCacheResponse, PurgeCacheResponse__Output as _nightshift_v1_PurgeCacheResponse__Output } from './nightshift/v1/PurgeCacheResponse.js';
import type { QuoteRequest as _nightshift_v1_QuoteRequest, QuoteRequest__Output as _nightshift_v1_QuoteRequest__Output } from './nightshift/v1/QuoteRequest.js';
import type { QuoteResponse as _nightshift_v1_QuoteResponse, QuoteResponse__Output as _nightshift_v1_QuoteResponse__Output } from './nightshift/v1/QuoteResponse.js';
import type { SubmitRequest as _nightshift_v1_SubmitRequest, SubmitRequest__Output as _nightshift_v1_SubmitRequest__Output } from './nightshift/v1/SubmitRequest.js';
import type { SubmitResponse as _nightshift_v1_SubmitResponse, SubmitResponse__Output as _nightshift_v1_SubmitResponse__Output } from './nightshift/v1/SubmitResponse.js';
import type { SubmitStreamRequest as _nightshift_v1_SubmitStreamRequest, SubmitStreamRequest__Output as _nightshift_v1_SubmitStreamRequest__Output } from './nightshift/v1/SubmitStreamRequest.js';
import type { SubmitStreamResponse as _nightshift_v1_SubmitStreamResponse, SubmitStreamResponse__Output as _nightshift_v1_SubmitStreamResponse__Output } from './nightshift/v1/SubmitStreamResponse.js';
import type { TenantShare as _nightshift_v1_TenantShare, TenantShare__Output as _nightshift_v1_TenantShare__Output } from './nightshift/v1/TenantShare.js';
import type { TenantUsage as _nightshift_v1_TenantUsage, TenantUsage__Output as _nightshift_v1_TenantUsage__Output } from './nightshift/v1/TenantUsage.js';
import type { Usage as _nightshift_v1_Usage, Usage__Output as _nightshift_v1_Usage__Output } from './nightshift/v1/Usage.js';
import type { WatchJobsRequest as _nightshift_v1_WatchJobsRequest, WatchJobsRequest__Output as _nightshift_v1_WatchJobsRequest__Output } from './nightshift/v1/WatchJobsRequest.js';
import type { WindowQuote as _nightshift_v1_WindowQuote, WindowQuote__Output as _nightshift_v1_WindowQuote__Output } from './nightshift/v1/WindowQuote.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  google: {
    protobuf: {
      Timestamp: MessageTypeDefinition<_google_protobuf_Timestamp, _google_protobuf_Timestamp__Output>
    }
  }
  nightshift: {
    v1: {
      AttentionParams: MessageTypeDefinition<_nightshift_v1_AttentionParams, _nightshift_v1_AttentionParams__Output>
      BatchGetJobsRequest: MessageTypeDefinition<_nightshift_v1_BatchGetJobsRequest, _nightshift_v1_BatchGetJobsRequest__Output>
      BatchGetJobsResponse: MessageTypeDefinition<_nightshift_v1_BatchGetJobsResponse, _nightshift_v1_BatchGetJobsResponse__Output>
      CancelJobRequest: MessageTypeDefinition<_nightshift_v1_CancelJobRequest, _nightshift_v1_CancelJobRequest__Output>
      EmbedParams: MessageTypeDefinition<_nightshift_v1_EmbedParams, _nightshift_v1_EmbedParams__Output>
      Error: MessageTypeDefinition<_nightshift_v1_Error, _nightshift_v1_Error__Output>
      Fleet: MessageTypeDefinition<_nightshift_v1_Fleet, _nightshift_v1_Fleet__Output>
      FleetWorker: MessageTypeDefinition<_nightshift_v1_FleetWorker, _nightshift_v1_FleetWorker__Output>
      GetFleetRequest: MessageTypeDefinition<_nightshift_v1_GetFleetRequest, _nightshift_v1_GetFleetRequest__Output>
      GetJobRequest: MessageTypeDefinition<_nightshift_v1_GetJobRequest, _nightshift_v1_GetJobRequest__Output>
      GetUsageRequest: MessageTypeDefinition<_nightshift_v1_GetUsageRequest, _nightshift_v1_GetUsageRequest__Output>
      Job: MessageTypeDefinition<_nightshift_v1_Job, _nightshift_v1_Job__Output>
      JobEvent: MessageTypeDefinition<_nightshift_v1_JobEvent, _nightshift_v1_JobEvent__Output>
      JobResult: MessageTypeDefinition<_nightshift_v1_JobResult, _nightshift_v1_JobResult__Output>
      /**
       * The API that services and pipelines use to submit and follow jobs.
       * Every call acts for the tenant named in the request metadata
       * (`x-nightshift-tenant`); a tenant sees only its own jobs.
       */
      JobService: SubtypeConstructor<typeof grpc.Client, _nightshift_v1_JobServiceClient> & { service: _nightshift_v1_JobServiceDefinition }
      JobSpec: MessageTypeDefinition<_nightshift_v1_JobSpec, _nightshift_v1_JobSpec__Output>
      JobState: EnumTypeDefinition
      ListJobsRequest: MessageTypeDefinition<_nightshift_v1_ListJobsRequest, _nightshift_v1_ListJobsRequest__Output>
      ListJobsResponse: MessageTypeDefinition<_nightshift_v1_ListJobsResponse, _nightshift_v1_ListJobsResponse__Output>
      MinhashParams: MessageTypeDefinition<_nightshift_v1_MinhashParams, _nightshift_v1_MinhashParams__Output>
      OpParams: MessageTypeDefinition<_nightshift_v1_OpParams, _nightshift_v1_OpParams__Output>
      PeriodUsage: MessageTypeDefinition<_nightshift_v1_PeriodUsage, _nightshift_v1_PeriodUsage__Output>
      PurgeCacheRequest: MessageTypeDefinition<_nightshift_v1_PurgeCacheRequest, _nightshift_v1_PurgeCacheRequest__Output>
      PurgeCacheResponse: MessageTypeDefinition<_nightshift_v1_PurgeCacheResponse, _nightshift_v1_PurgeCacheResponse__Output>
      QuoteRequest: MessageTypeDefinition<_nightshift_v1_QuoteRequest, _nightshift_v1_QuoteRequest__Output>
      QuoteResponse: MessageTypeDefinition<_nightshift_v1_QuoteResponse, _nightshift_v1_QuoteResponse__Output>
      SubmitRequest: MessageTypeDefinition<_nightshift_v1_SubmitRequest, _nightshift_v1_SubmitRequest__Output>
      SubmitResponse: MessageTypeDefinition<_nightshift_v1_SubmitResponse, _nightshift_v1_SubmitResponse__Output>
      SubmitStreamRequest: MessageTypeDefinition<_nightshift_v1_SubmitStreamRequest, _nightshift_v1_SubmitStreamRequest__Output>
      SubmitStreamResponse: MessageTypeDefinition<_nightshift_v1_SubmitStreamResponse, _nightshift_v1_SubmitStreamResponse__Output>
      TenantShare: MessageTypeDefinition<_nightshift_v1_TenantShare, _nightshift_v1_TenantShare__Output>
      TenantUsage: MessageTypeDefinition<_nightshift_v1_TenantUsage, _nightshift_v1_TenantUsage__Output>
      Usage: MessageTypeDefinition<_nightshift_v1_Usage, _nightshift_v1_Usage__Output>
      WatchJobsRequest: MessageTypeDefinition<_nightshift_v1_WatchJobsRequest, _nightshift_v1_WatchJobsRequest__Output>
      WindowQuote: MessageTypeDefinition<_nightshift_v1_WindowQuote, _nightshift_v1_WindowQuote__Output>
    }
  }
}

