import type { OpSpec } from '@nightshift/proto';

/** What a BullMQ job carries: enough to run it and to find its record. */
export interface QueueJobData {
  id: string;
  tenant: string;
  spec: OpSpec;
  /** Token ids, uint32 little-endian, base64. */
  tokens: string;
  tokenCount: number;
}

/** API priority (higher first, 0 … 1,000,000) → BullMQ priority (lower first, 1 … 2^21). */
export function bullPriority(priority: number): number {
  return 1_000_001 - priority;
}

/** BullMQ priority → API priority. */
export function apiPriority(bull: number): number {
  return 1_000_001 - bull;
}
