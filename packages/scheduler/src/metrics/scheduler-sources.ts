import type { BacklogEstimate, CostModels } from '../pricing/index.js';
import type { JobStore } from '../jobs/index.js';
import type { Alerts, Guardrails } from '../guardrails/index.js';
import type { QueueSet } from '../queueing/index.js';
import type { Calendar, DeferredLoad } from '../windows/index.js';
import type { WorkerStatus } from '../dispatch/index.js';
import type { FlowMetrics } from './flow-metrics.js';
import type { TenantShare } from '../fairness/index.js';
import type { BatchObjectStatus, SystemSources } from './system-view.js';

/** The scheduler's parts a SystemView reads. */
export interface SchedulerParts {
  backlog: BacklogEstimate;
  store: JobStore;
  guardrails: Guardrails;
  queues: QueueSet;
  load: DeferredLoad;
  calendar: Calendar;
  models: CostModels;
  alerts: Alerts;
  flow: FlowMetrics;
  workers: () => WorkerStatus[];
  batchObjects: () => Promise<BatchObjectStatus[]>;
  shares: () => Promise<TenantShare[]>;
}

/** Where each part of the system's state comes from, in this scheduler. */
export function schedulerSources(p: SchedulerParts): SystemSources {
  return {
    queueDepths: () => p.backlog.depths(),
    bucketDepths: () => p.backlog.bucketDepths(),
    tenants: () => p.store.tenants(),
    usage: async (tenant) => (await p.guardrails.usage(tenant)).current,
    jobsByState: (tenants) => p.store.countByState(tenants),
    deferredJobs: () => p.queues.deferredCount(),
    plannedOpenings: () => p.load.openings(),
    openings: (from, to) => p.calendar.openings(from, to),
    workers: p.workers,
    models: () => p.models.report(),
    alerts: () => ({ budget: p.alerts.count('budget'), model_error: p.alerts.count('model_error') }),
    batches: () => p.flow.batches.list(),
    batchObjects: p.batchObjects,
    shares: p.shares,
  };
}
