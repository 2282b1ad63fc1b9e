export { connectRedis, duplicateQuietly } from './connect.js';
export { SlotBatch, groupBySlot } from './slot-batch.js';
