import type { SchedulerConfig } from '../config/scheduler-config.js';
import type { PeriodUnit } from './period.js';

/** One tenant's limits, resolved. */
export interface TenantLimits {
  maxTokensPerJob: number;
  /** 0: no limit. */
  tokensPerMinute: number;
  /** US dollars; 0: no budget. */
  budget: number;
  budgetPeriod: PeriodUnit;
  /** Jobs waiting (QUEUED or DEFERRED) at most. */
  maxQueuedJobs: number;
  /** Tokens of unfinished jobs at most; 0: no limit. */
  maxTokensHeld: number;
}

/** A tenant's own limits over the defaults, the global job length bounding both. */
export function limitsFor(config: SchedulerConfig, tenant: string): TenantLimits {
  const own = config.limits.tenants[tenant] ?? {};
  const d = config.limits.defaults;
  return {
    maxTokensPerJob: Math.min(config.jobs.maxTokensPerJob, own.maxTokensPerJob ?? d.maxTokensPerJob ?? Infinity),
    tokensPerMinute: own.tokensPerMinute ?? d.tokensPerMinute ?? 0,
    budget: own.budget ?? d.budget ?? 0,
    budgetPeriod: own.budgetPeriod ?? d.budgetPeriod ?? 'day',
    maxQueuedJobs: Math.min(
      config.limits.maxQueuedJobs,
      own.maxQueuedJobs ?? d.maxQueuedJobs ?? Math.ceil(config.limits.maxQueuedJobs * config.limits.tenantQueueShare),
    ),
    maxTokensHeld: own.maxTokensHeld ?? d.maxTokensHeld ?? 0,
  };
}
