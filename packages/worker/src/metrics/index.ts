export { WorkerMetrics, type BatchOutcome } from './worker-metrics.js';
