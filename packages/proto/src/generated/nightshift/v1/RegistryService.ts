// Original file: proto/nightshift/v1/registry.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DeregisterRequest as _nightshift_v1_DeregisterRequest, DeregisterRequest__Output as _nightshift_v1_DeregisterRequest__Output } from '../../nightshift/v1/DeregisterRequest.js';
import type { DeregisterResponse as _nightshift_v1_DeregisterResponse, DeregisterResponse__Output as _nightshift_v1_DeregisterResponse__Output } from '../../nightshift/v1/DeregisterResponse.js';
import type { HeartbeatRequest as _nightshift_v1_HeartbeatRequest, HeartbeatRequest__Output as _nightshift_v1_HeartbeatRequest__Output } from '../../nightshift/v1/HeartbeatRequest.js';
import type { HeartbeatResponse as _nightshift_v1_HeartbeatResponse, HeartbeatResponse__Output as _nightshift_v1_HeartbeatResponse__Output } from '../../nightshift/v1/HeartbeatResponse.js';
import type { RegisterRequest as _nightshift_v1_RegisterRequest, RegisterRequest__Output as _nightshift_v1_RegisterRequest__Output } from '../../nightshift/v1/RegisterRequest.js';
import type { RegisterResponse as _nightshift_v1_RegisterResponse, RegisterResponse__Output as _nightshift_v1_RegisterResponse__Output } from '../../nightshift/v1/RegisterResponse.js';

/**
 * Where workers make themselves known to the schedulers. Served by every
 * scheduler replica; the fleet lives in Redis, so a worker registered with
 * one replica is seen by all.
 */
export interface RegistryServiceClient extends grpc.Client {
  /**
   * Leave the fleet (a draining worker, before it stops taking batches).
   */
  Deregister(argument: _nightshift_v1_DeregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  Deregister(argument: _nightshift_v1_DeregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  Deregister(argument: _nightshift_v1_DeregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  Deregister(argument: _nightshift_v1_DeregisterRequest, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Leave the fleet (a draining worker, before it stops taking batches).
   */
  deregister(argument: _nightshift_v1_DeregisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  deregister(argument: _nightshift_v1_DeregisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  deregister(argument: _nightshift_v1_DeregisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  deregister(argument: _nightshift_v1_DeregisterRequest, callback: grpc.requestCallback<_nightshift_v1_DeregisterResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Keep the lease. `known` false means the lease had lapsed and the worker
   * was dropped: register again.
   */
  Heartbeat(argument: _nightshift_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _nightshift_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _nightshift_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  Heartbeat(argument: _nightshift_v1_HeartbeatRequest, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Keep the lease. `known` false means the lease had lapsed and the worker
   * was dropped: register again.
   */
  heartbeat(argument: _nightshift_v1_HeartbeatRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _nightshift_v1_HeartbeatRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _nightshift_v1_HeartbeatRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  heartbeat(argument: _nightshift_v1_HeartbeatRequest, callback: grpc.requestCallback<_nightshift_v1_HeartbeatResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Join the fleet (or refresh what is known of this worker), with a lease
   * that heartbeats must keep alive. The caller's worker key must be bound
   * to the id (PERMISSION_DENIED otherwise); an id whose lease holds cannot
   * move to another address (ALREADY_EXISTS, with retry-after until the
   * lease lapses).
   */
  Register(argument: _nightshift_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _nightshift_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _nightshift_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  Register(argument: _nightshift_v1_RegisterRequest, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Join the fleet (or refresh what is known of this worker), with a lease
   * that heartbeats must keep alive. The caller's worker key must be bound
   * to the id (PERMISSION_DENIED otherwise); an id whose lease holds cannot
   * move to another address (ALREADY_EXISTS, with retry-after until the
   * lease lapses).
   */
  register(argument: _nightshift_v1_RegisterRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _nightshift_v1_RegisterRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _nightshift_v1_RegisterRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  register(argument: _nightshift_v1_RegisterRequest, callback: grpc.requestCallback<_nightshift_v1_RegisterResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Where workers make themselves known to the schedulers. Served by every
 * scheduler replica; the fleet lives in Redis, so a worker registered with
 * one replica is seen by all.
 */
export interface RegistryServiceHandlers extends grpc.UntypedServiceImplementation {
  /**
   * Leave the fleet (a draining worker, before it stops taking batches).
   */
  Deregister: grpc.handleUnaryCall<_nightshift_v1_DeregisterRequest__Output, _nightshift_v1_DeregisterResponse>;
  
  /**
   * Keep the lease. `known` false means the lease had lapsed and the worker
   * was dropped: register again.
   */
  Heartbeat: grpc.handleUnaryCall<_nightshift_v1_HeartbeatRequest__Output, _nightshift_v1_HeartbeatResponse>;
  
  /**
   * Join the fleet (or refresh what is known of this worker), with a lease
   * that heartbeats must keep alive. The caller's worker key must be bound
   * to the id (PERMISSION_DENIED otherwise); an id whose lease holds cannot
   * move to another address (ALREADY_EXISTS, with retry-after until the
   * lease lapses).
   */
  Register: grpc.handleUnaryCall<_nightshift_v1_RegisterRequest__Output, _nightshift_v1_RegisterResponse>;
  
}

export interface RegistryServiceDefinition extends grpc.ServiceDefinition {
  Deregister: MethodDefinition<_nightshift_v1_DeregisterRequest, _nightshift_v1_DeregisterResponse, _nightshift_v1_DeregisterRequest__Output, _nightshift_v1_DeregisterResponse__Output>
  Heartbeat: MethodDefinition<_nightshift_v1_HeartbeatRequest, _nightshift_v1_HeartbeatResponse, _nightshift_v1_HeartbeatRequest__Output, _nightshift_v1_HeartbeatResponse__Output>
  Register: MethodDefinition<_nightshift_v1_RegisterRequest, _nightshift_v1_RegisterResponse, _nightshift_v1_RegisterRequest__Output, _nightshift_v1_RegisterResponse__Output>
}
