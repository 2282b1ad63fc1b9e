export { fitsInBatch, paddedTokens, type BatchLimits } from './batch-limits.js';
