import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { AttentionParams as _nightshift_v1_AttentionParams, AttentionParams__Output as _nightshift_v1_AttentionParams__Output } from './nightshift/v1/AttentionParams.js';
import type { EmbedParams as _nightshift_v1_EmbedParams, EmbedParams__Output as _nightshift_v1_EmbedParams__Output } from './nightshift/v1/EmbedParams.js';
import type { JobOutcome as _nightshift_v1_JobOutcome, JobOutcome__Output as _nightshift_v1_JobOutcome__Output } from './nightshift/v1/JobOutcome.js';
import type { JobResult as _nightshift_v1_JobResult, JobResult__Output as _nightshift_v1_JobResult__Output } from './nightshift/v1/JobResult.js';
import type { MinhashParams as _nightshift_v1_MinhashParams, MinhashParams__Output as _nightshift_v1_MinhashParams__Output } from './nightshift/v1/MinhashParams.js';
import type { OpParams as _nightshift_v1_OpParams, OpParams__Output as _nightshift_v1_OpParams__Output } from './nightshift/v1/OpParams.js';
import type { PackedOutcomes as _nightshift_v1_PackedOutcomes, PackedOutcomes__Output as _nightshift_v1_PackedOutcomes__Output } from './nightshift/v1/PackedOutcomes.js';
import type { RunBatchRequest as _nightshift_v1_RunBatchRequest, RunBatchRequest__Output as _nightshift_v1_RunBatchRequest__Output } from './nightshift/v1/RunBatchRequest.js';
import type { RunBatchResponse as _nightshift_v1_RunBatchResponse, RunBatchResponse__Output as _nightshift_v1_RunBatchResponse__Output } from './nightshift/v1/RunBatchResponse.js';
import type { WorkerServiceClient as _nightshift_v1_WorkerServiceClient, WorkerServiceDefinition as _nightshift_v1_WorkerServiceDefinition } from './nightshift/v1/WorkerService.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  nightshift: {
    v1: {
      AttentionParams: MessageTypeDefinition<_nightshift_v1_AttentionParams, _nightshift_v1_AttentionParams__Output>
      EmbedParams: MessageTypeDefinition<_nightshift_v1_EmbedParams, _nightshift_v1_EmbedParams__Output>
      JobOutcome: MessageTypeDefinition<_nightshift_v1_JobOutcome, _nightshift_v1_JobOutcome__Output>
      JobResult: MessageTypeDefinition<_nightshift_v1_JobResult, _nightshift_v1_JobResult__Output>
      MinhashParams: MessageTypeDefinition<_nightshift_v1_MinhashParams, _nightshift_v1_MinhashParams__Output>
      OpParams: MessageTypeDefinition<_nightshift_v1_OpParams, _nightshift_v1_OpParams__Output>
      PackedOutcomes: MessageTypeDefinition<_nightshift_v1_PackedOutcomes, _nightshift_v1_PackedOutcomes__Output>
      RunBatchRequest: MessageTypeDefinition<_nightshift_v1_RunBatchRequest, _nightshift_v1_RunBatchRequest__Output>
      RunBatchResponse: MessageTypeDefinition<_nightshift_v1_RunBatchResponse, _nightshift_v1_RunBatchResponse__Output>
      /**
       * What a worker node serves to the scheduler.
       */
      WorkerService: SubtypeConstructor<typeof grpc.Client, _nightshift_v1_WorkerServiceClient> & { service: _nightshift_v1_WorkerServiceDefinition }
    }
  }
}

