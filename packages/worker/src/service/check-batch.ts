import { ParamError, resolveOp, unpackTokens, type OpSpec, type RunBatchRequest__Output } from '@nightshift/proto';
import type { WorkerConfig } from '../config/worker-config.js';

export class BatchError extends Error {
  override name = 'BatchError';
}

export interface CheckedBatch {
  spec: OpSpec;
  /** One id a job; empty in a packed request that sent none. */
  jobIds: string[];
  /** Jobs, counted by offsets (offsets.length − 1). */
  count: number;
  tokens: Uint32Array;
  offsets: Uint32Array;
  /** A unit of a batch object: answered with PackedOutcomes, not one outcome a job. */
  packed: boolean;
  /** Its kernel batches' boundaries (packed only): [0, …, count]; one batch when none were sent. */
  segments: Uint32Array;
}

/** Everything the kernels assume, checked before they run; a BatchError names what is wrong. */
export function checkBatch(req: RunBatchRequest__Output, limits: WorkerConfig['limits']): CheckedBatch {
  let spec: OpSpec;
  try {
    spec = resolveOp(req.op, req.params);
  } catch (err) {
    if (err instanceof ParamError) throw new BatchError(err.message);
    throw err;
  }
  const jobIds = req.jobIds;
  const packed = req.packed;
  // A packed request counts its jobs by offsets (ids are optional there); checked before the offsets are copied.
  const count = packed ? req.offsets.length - 1 : jobIds.length;
  if (packed) {
    if (count < 0) throw new BatchError('offsets: a packed request needs at least one entry (0 for no jobs)');
    if (count > limits.maxBatchJobs) throw new BatchError(`offsets: ${count} jobs exceed this worker's limit of ${limits.maxBatchJobs}`);
    if (jobIds.length > 0 && jobIds.length !== count) throw new BatchError(`job_ids: ${jobIds.length} ids for the ${count} jobs that offsets count (send none, or one a job)`);
  } else if (jobIds.length > limits.maxBatchJobs) {
    throw new BatchError(`job_ids: ${jobIds.length} jobs exceed this worker's limit of ${limits.maxBatchJobs}`);
  }
  let tokens: Uint32Array;
  try {
    tokens = unpackTokens(req.tokens, true);
  } catch (err) {
    throw new BatchError(`tokens: ${(err as Error).message}`);
  }
  if (tokens.length > limits.maxBatchTokens) throw new BatchError(`tokens: ${tokens.length} tokens exceed this worker's limit of ${limits.maxBatchTokens}`);
  const offsets = Uint32Array.from(req.offsets);
  if (offsets.length !== count + 1) {
    throw new BatchError(`offsets: ${offsets.length} entries for ${count} jobs (want ${count + 1})`);
  }
  if (offsets[0] !== 0) throw new BatchError('offsets: the first entry must be 0');
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) throw new BatchError(`offsets: entry ${i} (${offsets[i]}) is below entry ${i - 1} (${offsets[i - 1]})`);
  }
  if (offsets[offsets.length - 1] !== tokens.length) {
    throw new BatchError(`offsets: the last entry (${offsets[offsets.length - 1]}) must equal the token count (${tokens.length})`);
  }
  const segments = req.segments.length ? Uint32Array.from(req.segments) : Uint32Array.of(0, count);
  if (!packed && req.segments.length) throw new BatchError('segments: only a packed request has segments');
  if (segments[0] !== 0 || segments[segments.length - 1] !== count || segments.length < 2) {
    throw new BatchError(`segments: must run from 0 to the job count (${count})`);
  }
  for (let i = 1; i < segments.length; i++) {
    if (segments[i]! < segments[i - 1]!) throw new BatchError(`segments: entry ${i} (${segments[i]}) is below entry ${i - 1} (${segments[i - 1]})`);
  }
  return { spec, jobIds, count, tokens, offsets, packed, segments };
}

/** The jobs of a batch for which `keep` holds, as a batch of their own (the same one when all are kept). */
export function selectJobs(batch: CheckedBatch, keep: (i: number) => boolean): CheckedBatch {
  const idx: number[] = [];
  for (let i = 0; i < batch.count; i++) if (keep(i)) idx.push(i);
  if (idx.length === batch.count) return batch;
  const offsets = new Uint32Array(idx.length + 1);
  idx.forEach((i, k) => (offsets[k + 1] = offsets[k]! + batch.offsets[i + 1]! - batch.offsets[i]!));
  const tokens = new Uint32Array(new SharedArrayBuffer(offsets[idx.length]! * 4));
  idx.forEach((i, k) => tokens.set(batch.tokens.subarray(batch.offsets[i]!, batch.offsets[i + 1]!), offsets[k]!));
  const jobIds = batch.jobIds.length > 0 ? idx.map((i) => batch.jobIds[i]!) : [];
  return { spec: batch.spec, jobIds, count: idx.length, tokens, offsets, packed: batch.packed, segments: batch.segments };
}
