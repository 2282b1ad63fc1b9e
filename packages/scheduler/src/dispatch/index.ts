export { Dispatcher } from './dispatcher.js';
export { WorkerPool, type WorkerSlot, type WorkerStatus } from './worker-pool.js';
export { planSettlement, failure, type Settlement, type AttemptInfo } from './settle-plan.js';
export { NO_OBSERVER, type DispatchObserver, type BatchRun } from './dispatch-observer.js';
export { LockKeeper } from './lock-keeper.js';
export { UnitPuller, type UnitPullerOptions } from './unit-puller.js';
