import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { DeregisterRequest as _nightshift_v1_DeregisterRequest, DeregisterRequest__Output as _nightshift_v1_DeregisterRequest__Output } from './nightshift/v1/DeregisterRequest.js';
import type { DeregisterResponse as _nightshift_v1_DeregisterResponse, DeregisterResponse__Output as _nightshift_v1_DeregisterResponse__Output } from './nightshift/v1/DeregisterResponse.js';
import type { HeartbeatRequest as _nightshift_v1_HeartbeatRequest, HeartbeatRequest__Output as _nightshift_v1_HeartbeatRequest__Output } from './nightshift/v1/HeartbeatRequest.js';
import type { HeartbeatResponse as _nightshift_v1_HeartbeatResponse, HeartbeatResponse__Output as _nightshift_v1_HeartbeatResponse__Output } from './nightshift/v1/HeartbeatResponse.js';
import type { RegisterRequest as _nightshift_v1_RegisterRequest, RegisterRequest__Output as _nightshift_v1_RegisterRequest__Output } from './nightshift/v1/RegisterRequest.js';
import type { RegisterResponse as _nightshift_v1_RegisterResponse, RegisterResponse__Output as _nightshift_v1_RegisterResponse__Output } from './nightshift/v1/RegisterResponse.js';
import type { RegistryServiceClient as _nightshift_v1_RegistryServiceClient, RegistryServiceDefinition as _nightshift_v1_RegistryServiceDefinition } from './nightshift/v1/RegistryService.js';
import type { WorkerInfo as _nightshift_v1_WorkerInfo, WorkerInfo__Output as _nightshift_v1_WorkerInfo__Output } from './nightshift/v1/WorkerInfo.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  nightshift: {
    v1: {
      DeregisterRequest: MessageTypeDefinition<_nightshift_v1_DeregisterRequest, _nightshift_v1_DeregisterRequest__Output>
      DeregisterResponse: MessageTypeDefinition<_nightshift_v1_DeregisterResponse, _nightshift_v1_DeregisterResponse__Output>
      HeartbeatRequest: MessageTypeDefinition<_nightshift_v1_HeartbeatRequest, _nightshift_v1_HeartbeatRequest__Output>
      HeartbeatResponse: MessageTypeDefinition<_nightshift_v1_HeartbeatResponse, _nightshift_v1_HeartbeatResponse__Output>
      RegisterRequest: MessageTypeDefinition<_nightshift_v1_RegisterRequest, _nightshift_v1_RegisterRequest__Output>
      RegisterResponse: MessageTypeDefinition<_nightshift_v1_RegisterResponse, _nightshift_v1_RegisterResponse__Output>
      /**
       * Where workers make themselves known to the schedulers. Served by every
       * scheduler replica; the fleet lives in Redis, so a worker registered with
       * one replica is seen by all.
       */
      RegistryService: SubtypeConstructor<typeof grpc.Client, _nightshift_v1_RegistryServiceClient> & { service: _nightshift_v1_RegistryServiceDefinition }
      WorkerInfo: MessageTypeDefinition<_nightshift_v1_WorkerInfo, _nightshift_v1_WorkerInfo__Output>
    }
  }
}

