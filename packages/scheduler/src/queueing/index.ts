export { QueueSet, type EnqueueOptions } from './queue-set.js';
export { bucketOf, queueName } from './queue-names.js';
export { bullPriority, type QueueJobData } from './queue-job.js';
