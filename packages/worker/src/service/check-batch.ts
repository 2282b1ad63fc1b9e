import { ParamError, resolveOp, unpackTokens, type OpSpec, type RunBatchRequest__Output } from '@nightshift/proto';
import type { WorkerConfig } from '../config/worker-config.js';

export class BatchError extends Error {
  override name = 'BatchError';
}

export interface CheckedBatch {
  spec: OpSpec;
  jobIds: string[];
  tokens: Uint32Array;
  offsets: Uint32Array;
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
  if (jobIds.length > limits.maxBatchJobs) throw new BatchError(`job_ids: ${jobIds.length} jobs exceed this worker's limit of ${limits.maxBatchJobs}`);
  let tokens: Uint32Array;
  try {
    tokens = unpackTokens(req.tokens, true);
  } catch (err) {
    throw new BatchError(`tokens: ${(err as Error).message}`);
  }
  if (tokens.length > limits.maxBatchTokens) throw new BatchError(`tokens: ${tokens.length} tokens exceed this worker's limit of ${limits.maxBatchTokens}`);
  const offsets = Uint32Array.from(req.offsets);
  if (offsets.length !== jobIds.length + 1) {
    throw new BatchError(`offsets: ${offsets.length} entries for ${jobIds.length} jobs (want ${jobIds.length + 1})`);
  }
  if (offsets[0] !== 0) throw new BatchError('offsets: the first entry must be 0');
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) throw new BatchError(`offsets: entry ${i} (${offsets[i]}) is below entry ${i - 1} (${offsets[i - 1]})`);
  }
  if (offsets[offsets.length - 1] !== tokens.length) {
    throw new BatchError(`offsets: the last entry (${offsets[offsets.length - 1]}) must equal the token count (${tokens.length})`);
  }
  return { spec, jobIds, tokens, offsets };
}

/** The jobs of a batch for which `keep` holds, as a batch of their own (the same one when all are kept). */
export function selectJobs(batch: CheckedBatch, keep: (i: number) => boolean): CheckedBatch {
  const idx = batch.jobIds.map((_, i) => i).filter(keep);
  if (idx.length === batch.jobIds.length) return batch;
  const offsets = new Uint32Array(idx.length + 1);
  idx.forEach((i, k) => (offsets[k + 1] = offsets[k]! + batch.offsets[i + 1]! - batch.offsets[i]!));
  const tokens = new Uint32Array(new SharedArrayBuffer(offsets[idx.length]! * 4));
  idx.forEach((i, k) => tokens.set(batch.tokens.subarray(batch.offsets[i]!, batch.offsets[i + 1]!), offsets[k]!));
  return { spec: batch.spec, jobIds: idx.map((i) => batch.jobIds[i]!), tokens, offsets };
}
