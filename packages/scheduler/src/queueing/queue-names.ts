import type { OpName } from '@nightshift/proto';
import { bucketIndex, bucketName, type BucketBounds } from '../batching/index.js';

/** The bucket of a length, by name ("le512"): jobs of different buckets never share a batch. */
export function bucketOf(bounds: BucketBounds, length: number): string {
  return bucketName(bounds, bucketIndex(bounds, length));
}

/** One BullMQ queue per (op, bucket). */
export function queueName(op: OpName, bucket: string): string {
  return `${op}.${bucket}`;
}
