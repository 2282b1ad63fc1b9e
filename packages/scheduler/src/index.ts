export { startScheduler, type RunningScheduler, type SchedulerOptions } from './start-scheduler.js';
export { ManualClock, systemClock, type Clock } from './clock/index.js';
export { loadSchedulerConfig, schedulerConfig, schedulerConfigSchema, SCHEDULER_ENV, type SchedulerConfig } from './config/scheduler-config.js';
export { TENANT_HEADER, newApiKey, hashKey, type ApiKeyEntry, type Role } from './auth/index.js';
export { JobClient, FINAL_API_STATES, BatchClient, FINAL_BATCH_API_STATES } from './client/index.js';
