export { FlowMetrics } from './flow-metrics.js';
export { SystemView, type BatchObjectStatus, type Snapshot, type SystemSources } from './system-view.js';
export { registerSystemGauges } from './system-gauges.js';
export type { BatchSample } from './batch-ring.js';
export { schedulerSources, type SchedulerParts } from './scheduler-sources.js';
export { TenantLabels } from './tenant-labels.js';
