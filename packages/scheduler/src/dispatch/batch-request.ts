import { toOpParams, type OpSpec, type RunBatchRequest } from '@nightshift/proto';

/** The jobs' tokens (uint32 LE, as stored) back to back, with offsets: one buffer for the whole batch. */
export function batchRequest(batchId: string, spec: OpSpec, jobs: ReadonlyArray<{ id: string; tokens: Buffer }>): RunBatchRequest {
  const offsets = [0];
  for (const j of jobs) offsets.push(offsets.at(-1)! + j.tokens.length / 4);
  return {
    batchId,
    op: spec.op,
    params: toOpParams(spec),
    jobIds: jobs.map((j) => j.id),
    tokens: Buffer.concat(jobs.map((j) => j.tokens)),
    offsets,
  };
}
