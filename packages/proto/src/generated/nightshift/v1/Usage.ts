// Original file: proto/nightshift/v1/jobs.proto

import type { PeriodUsage as _nightshift_v1_PeriodUsage, PeriodUsage__Output as _nightshift_v1_PeriodUsage__Output } from '../../nightshift/v1/PeriodUsage.js';

export interface Usage {
  'current'?: (_nightshift_v1_PeriodUsage | null);
  'previous'?: (_nightshift_v1_PeriodUsage | null);
}

export interface Usage__Output {
  'current': (_nightshift_v1_PeriodUsage__Output | null);
  'previous': (_nightshift_v1_PeriodUsage__Output | null);
}
