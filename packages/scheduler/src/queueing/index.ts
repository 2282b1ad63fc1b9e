export { QueueSet, type Queueable, type DeferredEntry } from './queue-set.js';
export { QueueKeys } from './queue-keys.js';
export { encodeEntry, decodeEntry, pendingScore, agingScale, type PendingEntry } from './pending-entry.js';
export type { BatchJobData } from './batch-job.js';
export { spotQueueOf, onDemandQueueOf, poolOf, type Pool } from './spot-queue.js';
export { queueName, opOfQueue } from './queue-name.js';
