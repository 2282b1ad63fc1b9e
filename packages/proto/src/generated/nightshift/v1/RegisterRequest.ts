// Original file: proto/nightshift/v1/registry.proto

import type { WorkerInfo as _nightshift_v1_WorkerInfo, WorkerInfo__Output as _nightshift_v1_WorkerInfo__Output } from '../../nightshift/v1/WorkerInfo.js';

export interface RegisterRequest {
  'worker'?: (_nightshift_v1_WorkerInfo | null);
}

export interface RegisterRequest__Output {
  'worker': (_nightshift_v1_WorkerInfo__Output | null);
}
