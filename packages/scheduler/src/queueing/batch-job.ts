import type { OpSpec } from '@nightshift/proto';

/**
 * What a BullMQ job of nightshift carries: one formed batch. BullMQ's lock,
 * stalled check and retry of a dispatcher's death work per batch; the jobs'
 * own attempts are counted in their records.
 */
export interface BatchJobData {
  batchId: string;
  bucket: string;
  spec: OpSpec;
  /** Pending entries (encodeEntry) of its jobs. */
  entries: string[];
}
