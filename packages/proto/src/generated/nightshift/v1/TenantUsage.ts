// Original file: proto/nightshift/v1/jobs.proto

import type { PeriodUsage as _nightshift_v1_PeriodUsage, PeriodUsage__Output as _nightshift_v1_PeriodUsage__Output } from '../../nightshift/v1/PeriodUsage.js';

export interface TenantUsage {
  'tenant'?: (string);
  'current'?: (_nightshift_v1_PeriodUsage | null);
}

export interface TenantUsage__Output {
  'tenant': (string);
  'current': (_nightshift_v1_PeriodUsage__Output | null);
}
