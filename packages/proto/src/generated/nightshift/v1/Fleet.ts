// Original file: proto/nightshift/v1/jobs.proto

import type { FleetWorker as _nightshift_v1_FleetWorker, FleetWorker__Output as _nightshift_v1_FleetWorker__Output } from '../../nightshift/v1/FleetWorker.js';
import type { TenantUsage as _nightshift_v1_TenantUsage, TenantUsage__Output as _nightshift_v1_TenantUsage__Output } from '../../nightshift/v1/TenantUsage.js';

export interface Fleet {
  'workers'?: (_nightshift_v1_FleetWorker)[];
  'tenants'?: (_nightshift_v1_TenantUsage)[];
}

export interface Fleet__Output {
  'workers': (_nightshift_v1_FleetWorker__Output)[];
  'tenants': (_nightshift_v1_TenantUsage__Output)[];
}
