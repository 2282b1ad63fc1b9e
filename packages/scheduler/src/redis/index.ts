export { connectRedis } from './connect.js';
export { SlotBatch, groupBySlot } from './slot-batch.js';
