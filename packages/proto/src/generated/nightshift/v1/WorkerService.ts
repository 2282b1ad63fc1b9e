// Original file: proto/nightshift/v1/worker.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { RunBatchRequest as _nightshift_v1_RunBatchRequest, RunBatchRequest__Output as _nightshift_v1_RunBatchRequest__Output } from '../../nightshift/v1/RunBatchRequest.js';
import type { RunBatchResponse as _nightshift_v1_RunBatchResponse, RunBatchResponse__Output as _nightshift_v1_RunBatchResponse__Output } from '../../nightshift/v1/RunBatchResponse.js';

/**
 * What a worker node serves to the scheduler.
 */
export interface WorkerServiceClient extends grpc.Client {
  /**
   * Run one batch of jobs of one op and params in one kernel call.
   */
  RunBatch(argument: _nightshift_v1_RunBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  RunBatch(argument: _nightshift_v1_RunBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  RunBatch(argument: _nightshift_v1_RunBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  RunBatch(argument: _nightshift_v1_RunBatchRequest, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Run one batch of jobs of one op and params in one kernel call.
   */
  runBatch(argument: _nightshift_v1_RunBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  runBatch(argument: _nightshift_v1_RunBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  runBatch(argument: _nightshift_v1_RunBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  runBatch(argument: _nightshift_v1_RunBatchRequest, callback: grpc.requestCallback<_nightshift_v1_RunBatchResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * What a worker node serves to the scheduler.
 */
export interface WorkerServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Run one batch of jobs of one op and params in one kernel call.
   */
  RunBatch: grpc.handleUnaryCall<_nightshift_v1_RunBatchRequest__Output, _nightshift_v1_RunBatchResponse>;
  
}

export interface WorkerServiceDefinition extends grpc.ServiceDefinition {
  RunBatch: MethodDefinition<_nightshift_v1_RunBatchRequest, _nightshift_v1_RunBatchResponse, _nightshift_v1_RunBatchRequest__Output, _nightshift_v1_RunBatchResponse__Output>
}
