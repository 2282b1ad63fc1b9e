export { startScheduler, type RunningScheduler } from './start-scheduler.js';
export { loadSchedulerConfig, schedulerConfig, schedulerConfigSchema, SCHEDULER_ENV, type SchedulerConfig } from './config/scheduler-config.js';
export { TENANT_HEADER } from './api/index.js';
export { JobClient } from './client/index.js';
