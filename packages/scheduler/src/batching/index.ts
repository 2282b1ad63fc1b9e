export { fitsInBatch, paddedTokens, type BatchLimits } from './batch-limits.js';
export { geometricBounds, bucketIndex, bucketName, paddingBound, paddingToLongest, adaptiveBounds, type BucketBounds } from './buckets.js';
export { closeBatch, effectivePriority, type PendingJob, type ClosingPolicy, type Closing } from './batch-closing.js';
export { BatchFormer, type Forming, type NextWorker } from './batch-former.js';
export { BucketPlan, type BucketPlanOptions, type Placement } from './bucket-plan.js';
