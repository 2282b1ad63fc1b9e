export { QueueSet, type EnqueueOptions } from './queue-set.js';
export { bucketOf, queueName } from './queue-names.js';
export { bullPriority, apiPriority, type QueueJobData } from './queue-job.js';
