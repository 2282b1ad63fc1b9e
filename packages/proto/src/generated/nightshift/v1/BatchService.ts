// Original file: proto/nightshift/v1/batches.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { Batch as _nightshift_v1_Batch, Batch__Output as _nightshift_v1_Batch__Output } from '../../nightshift/v1/Batch.js';
import type { BatchResults as _nightshift_v1_BatchResults, BatchResults__Output as _nightshift_v1_BatchResults__Output } from '../../nightshift/v1/BatchResults.js';
import type { CancelBatchRequest as _nightshift_v1_CancelBatchRequest, CancelBatchRequest__Output as _nightshift_v1_CancelBatchRequest__Output } from '../../nightshift/v1/CancelBatchRequest.js';
import type { CreateBatchRequest as _nightshift_v1_CreateBatchRequest, CreateBatchRequest__Output as _nightshift_v1_CreateBatchRequest__Output } from '../../nightshift/v1/CreateBatchRequest.js';
import type { GetBatchRequest as _nightshift_v1_GetBatchRequest, GetBatchRequest__Output as _nightshift_v1_GetBatchRequest__Output } from '../../nightshift/v1/GetBatchRequest.js';
import type { GetBatchResultsRequest as _nightshift_v1_GetBatchResultsRequest, GetBatchResultsRequest__Output as _nightshift_v1_GetBatchResultsRequest__Output } from '../../nightshift/v1/GetBatchResultsRequest.js';
import type { ListBatchesRequest as _nightshift_v1_ListBatchesRequest, ListBatchesRequest__Output as _nightshift_v1_ListBatchesRequest__Output } from '../../nightshift/v1/ListBatchesRequest.js';
import type { ListBatchesResponse as _nightshift_v1_ListBatchesResponse, ListBatchesResponse__Output as _nightshift_v1_ListBatchesResponse__Output } from '../../nightshift/v1/ListBatchesResponse.js';
import type { WatchBatchRequest as _nightshift_v1_WatchBatchRequest, WatchBatchRequest__Output as _nightshift_v1_WatchBatchRequest__Output } from '../../nightshift/v1/WatchBatchRequest.js';

/**
 * Bulk work: a corpus as one object. A batch carries many items (thousands
 * to millions) of one op and params; an item is not a job, has no record or
 * events of its own, and costs the scheduler next to nothing. Items are
 * stored in packed chunks, run in units (items of near-equal length sent to
 * one worker together) and their results read back in input order. Every
 * call acts for the tenant of the request metadata, as the JobService does.
 */
export interface BatchServiceClient extends grpc.Client {
  /**
   * Stops the units that have not run and releases their reservation. Items
   * already computed keep their results.
   */
  CancelBatch(argument: _nightshift_v1_CancelBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  CancelBatch(argument: _nightshift_v1_CancelBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  CancelBatch(argument: _nightshift_v1_CancelBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  CancelBatch(argument: _nightshift_v1_CancelBatchRequest, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  /**
   * Stops the units that have not run and releases their reservation. Items
   * already computed keep their results.
   */
  cancelBatch(argument: _nightshift_v1_CancelBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  cancelBatch(argument: _nightshift_v1_CancelBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  cancelBatch(argument: _nightshift_v1_CancelBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  cancelBatch(argument: _nightshift_v1_CancelBatchRequest, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  
  /**
   * Uploads a batch: the first message is its header, every later one a
   * chunk of items. The reply comes once the upload is closed (the stream's
   * end) and the batch admitted: QUEUED, DEFERRED to a cheaper window, or,
   * when it cannot run, an error status (RESOURCE_EXHAUSTED over a budget,
   * FAILED_PRECONDITION over max_cost) and the batch FAILED. A header that
   * declares the batch's size (declared_items, declared_tokens) is admitted
   * or refused at once, before any item is read; its units run while the
   * upload goes on, and the reply, at the close, shows it trued up.
   * 
   * Resumable: an upload cut off is continued by a new call with the same
   * idempotency key. Once it has read the header, the server sends initial
   * metadata `x-nightshift-items-stored`: items stored so far. The client
   * sends from there (its first items message's first_index set to it), or
   * from 0: items already stored are skipped. Nothing is stored twice. A key whose batch is closed
   * returns that batch.
   */
  CreateBatch(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  CreateBatch(metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  CreateBatch(options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  CreateBatch(callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  /**
   * Uploads a batch: the first message is its header, every later one a
   * chunk of items. The reply comes once the upload is closed (the stream's
   * end) and the batch admitted: QUEUED, DEFERRED to a cheaper window, or,
   * when it cannot run, an error status (RESOURCE_EXHAUSTED over a budget,
   * FAILED_PRECONDITION over max_cost) and the batch FAILED. A header that
   * declares the batch's size (declared_items, declared_tokens) is admitted
   * or refused at once, before any item is read; its units run while the
   * upload goes on, and the reply, at the close, shows it trued up.
   * 
   * Resumable: an upload cut off is continued by a new call with the same
   * idempotency key. Once it has read the header, the server sends initial
   * metadata `x-nightshift-items-stored`: items stored so far. The client
   * sends from there (its first items message's first_index set to it), or
   * from 0: items already stored are skipped. Nothing is stored twice. A key whose batch is closed
   * returns that batch.
   */
  createBatch(metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  createBatch(metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  createBatch(options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  createBatch(callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientWritableStream<_nightshift_v1_CreateBatchRequest>;
  
  GetBatch(argument: _nightshift_v1_GetBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  GetBatch(argument: _nightshift_v1_GetBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  GetBatch(argument: _nightshift_v1_GetBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  GetBatch(argument: _nightshift_v1_GetBatchRequest, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  getBatch(argument: _nightshift_v1_GetBatchRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  getBatch(argument: _nightshift_v1_GetBatchRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  getBatch(argument: _nightshift_v1_GetBatchRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  getBatch(argument: _nightshift_v1_GetBatchRequest, callback: grpc.requestCallback<_nightshift_v1_Batch__Output>): grpc.ClientUnaryCall;
  
  /**
   * Every item's result in input order, from from_index on, many items a
   * message. May start before the batch has finished: it waits for items
   * not yet done. Resume a cut stream from the next index.
   */
  GetBatchResults(argument: _nightshift_v1_GetBatchResultsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_BatchResults__Output>;
  GetBatchResults(argument: _nightshift_v1_GetBatchResultsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_BatchResults__Output>;
  /**
   * Every item's result in input order, from from_index on, many items a
   * message. May start before the batch has finished: it waits for items
   * not yet done. Resume a cut stream from the next index.
   */
  getBatchResults(argument: _nightshift_v1_GetBatchResultsRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_BatchResults__Output>;
  getBatchResults(argument: _nightshift_v1_GetBatchResultsRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_BatchResults__Output>;
  
  /**
   * The caller's batches, newest first.
   */
  ListBatches(argument: _nightshift_v1_ListBatchesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  ListBatches(argument: _nightshift_v1_ListBatchesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  ListBatches(argument: _nightshift_v1_ListBatchesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  ListBatches(argument: _nightshift_v1_ListBatchesRequest, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  /**
   * The caller's batches, newest first.
   */
  listBatches(argument: _nightshift_v1_ListBatchesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  listBatches(argument: _nightshift_v1_ListBatchesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  listBatches(argument: _nightshift_v1_ListBatchesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  listBatches(argument: _nightshift_v1_ListBatchesRequest, callback: grpc.requestCallback<_nightshift_v1_ListBatchesResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * The batch as it stands, then again as it moves: at most a few messages a
   * second, never one per item. Ends once the batch is final.
   */
  WatchBatch(argument: _nightshift_v1_WatchBatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_Batch__Output>;
  WatchBatch(argument: _nightshift_v1_WatchBatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_Batch__Output>;
  /**
   * The batch as it stands, then again as it moves: at most a few messages a
   * second, never one per item. Ends once the batch is final.
   */
  watchBatch(argument: _nightshift_v1_WatchBatchRequest, metadata: grpc.Metadata, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_Batch__Output>;
  watchBatch(argument: _nightshift_v1_WatchBatchRequest, options?: grpc.CallOptions): grpc.ClientReadableStream<_nightshift_v1_Batch__Output>;
  
}

/**
 * Bulk work: a corpus as one object. A batch carries many items (thousands
 * to millions) of one op and params; an item is not a job, has no record or
 * events of its own, and costs the scheduler next to nothing. Items are
 * stored in packed chunks, run in units (items of near-equal length sent to
 * one worker together) and their results read back in input order. Every
 * call acts for the tenant of the request metadata, as the JobService does.
 */
export interface BatchServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Stops the units that have not run and releases their reservation. Items
   * already computed keep their results.
   */
  CancelBatch: grpc.handleUnaryCall<_nightshift_v1_CancelBatchRequest__Output, _nightshift_v1_Batch>;
  
  /**
   * Uploads a batch: the first message is its header, every later one a
   * chunk of items. The reply comes once the upload is closed (the stream's
   * end) and the batch admitted: QUEUED, DEFERRED to a cheaper window, or,
   * when it cannot run, an error status (RESOURCE_EXHAUSTED over a budget,
   * FAILED_PRECONDITION over max_cost) and the batch FAILED. A header that
   * declares the batch's size (declared_items, declared_tokens) is admitted
   * or refused at once, before any item is read; its units run while the
   * upload goes on, and the reply, at the close, shows it trued up.
   * 
   * Resumable: an upload cut off is continued by a new call with the same
   * idempotency key. Once it has read the header, the server sends initial
   * metadata `x-nightshift-items-stored`: items stored so far. The client
   * sends from there (its first items message's first_index set to it), or
   * from 0: items already stored are skipped. Nothing is stored twice. A key whose batch is closed
   * returns that batch.
   */
  CreateBatch: grpc.handleClientStreamingCall<_nightshift_v1_CreateBatchRequest__Output, _nightshift_v1_Batch>;
  
  GetBatch: grpc.handleUnaryCall<_nightshift_v1_GetBatchRequest__Output, _nightshift_v1_Batch>;
  
  /**
   * Every item's result in input order, from from_index on, many items a
   * message. May start before the batch has finished: it waits for items
   * not yet done. Resume a cut stream from the next index.
   */
  GetBatchResults: grpc.handleServerStreamingCall<_nightshift_v1_GetBatchResultsRequest__Output, _nightshift_v1_BatchResults>;
  
  /**
   * The caller's batches, newest first.
   */
  ListBatches: grpc.handleUnaryCall<_nightshift_v1_ListBatchesRequest__Output, _nightshift_v1_ListBatchesResponse>;
  
  /**
   * The batch as it stands, then again as it moves: at most a few messages a
   * second, never one per item. Ends once the batch is final.
   */
  WatchBatch: grpc.handleServerStreamingCall<_nightshift_v1_WatchBatchRequest__Output, _nightshift_v1_Batch>;
  
}

export interface BatchServiceDefinition extends grpc.ServiceDefinition {
  CancelBatch: MethodDefinition<_nightshift_v1_CancelBatchRequest, _nightshift_v1_Batch, _nightshift_v1_CancelBatchRequest__Output, _nightshift_v1_Batch__Output>
  CreateBatch: MethodDefinition<_nightshift_v1_CreateBatchRequest, _nightshift_v1_Batch, _nightshift_v1_CreateBatchRequest__Output, _nightshift_v1_Batch__Output>
  GetBatch: MethodDefinition<_nightshift_v1_GetBatchRequest, _nightshift_v1_Batch, _nightshift_v1_GetBatchRequest__Output, _nightshift_v1_Batch__Output>
  GetBatchResults: MethodDefinition<_nightshift_v1_GetBatchResultsRequest, _nightshift_v1_BatchResults, _nightshift_v1_GetBatchResultsRequest__Output, _nightshift_v1_BatchResults__Output>
  ListBatches: MethodDefinition<_nightshift_v1_ListBatchesRequest, _nightshift_v1_ListBatchesResponse, _nightshift_v1_ListBatchesRequest__Output, _nightshift_v1_ListBatchesResponse__Output>
  WatchBatch: MethodDefinition<_nightshift_v1_WatchBatchRequest, _nightshift_v1_Batch, _nightshift_v1_WatchBatchRequest__Output, _nightshift_v1_Batch__Output>
}
