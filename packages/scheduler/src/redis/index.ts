export { connectRedis } from './connect.js';
export { SlotBatch } from './slot-batch.js';
