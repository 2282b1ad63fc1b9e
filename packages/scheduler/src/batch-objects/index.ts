export { encodeItemChunk, decodeItemChunk, itemOf, type Item, type ItemChunk } from './item-chunk.js';
export { ItemStore, type UploadProgress } from './item-store.js';
export { ChunkCutter, DEFAULT_CHUNK_LIMITS, type ChunkLimits } from './chunk-cutter.js';
export { planUnits, MAX_PLAN_ITEMS, type Unit, type UnitLimits, type UnitPlan } from './unit-plan.js';
export { priceBatch, type BatchPrice } from './batch-price.js';
