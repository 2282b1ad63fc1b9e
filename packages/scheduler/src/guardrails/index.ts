export { Guardrails, type PeriodUsage } from './guardrails.js';
export { Alerts, type AlertKind } from './alerts.js';
export { periodOf, previousPeriod, type Period, type PeriodUnit } from './period.js';
export { limitsFor, type TenantLimits } from './tenant-limits.js';
