export { Dispatcher } from './dispatcher.js';
export { WorkerPool, type WorkerSlot } from './worker-pool.js';
export { planSettlement, failure, type Settlement, type AttemptInfo } from './settle-plan.js';
