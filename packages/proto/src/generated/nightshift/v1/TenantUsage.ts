// Original file: proto/nightshift/v1/jobs.proto

import type { PeriodUsage as _nightshift_v1_PeriodUsage, PeriodUsage__Output as _nightshift_v1_PeriodUsage__Output } from '../../nightshift/v1/PeriodUsage.js';
import type { TenantShare as _nightshift_v1_TenantShare, TenantShare__Output as _nightshift_v1_TenantShare__Output } from '../../nightshift/v1/TenantShare.js';

export interface TenantUsage {
  'tenant'?: (string);
  'current'?: (_nightshift_v1_PeriodUsage | null);
  /**
   * Its share of the fleet: unset for a tenant that has not used it lately.
   */
  'share'?: (_nightshift_v1_TenantShare | null);
}

export interface TenantUsage__Output {
  'tenant': (string);
  'current': (_nightshift_v1_PeriodUsage__Output | null);
  /**
   * Its share of the fleet: unset for a tenant that has not used it lately.
   */
  'share': (_nightshift_v1_TenantShare__Output | null);
}
