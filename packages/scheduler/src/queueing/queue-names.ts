import type { OpName } from '@nightshift/proto';
import { OP_NAMES } from '@nightshift/proto';

/**
 * Length buckets. One bucket per op for now; the batching work splits
 * lengths into ranges so that jobs of very different lengths never share a batch.
 */
export const BUCKETS = ['all'] as const;
export type Bucket = (typeof BUCKETS)[number];

export function bucketOf(_op: OpName, _length: number): Bucket {
  return 'all';
}

/** One BullMQ queue per (op, bucket). */
export function queueName(op: OpName, bucket: Bucket): string {
  return `${op}.${bucket}`;
}

export function allQueueNames(): string[] {
  return OP_NAMES.flatMap((op) => BUCKETS.map((b) => queueName(op, b)));
}
