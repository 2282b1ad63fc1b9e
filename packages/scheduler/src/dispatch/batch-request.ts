import type { Job } from 'bullmq';
import { opKey, toOpParams, type RunBatchRequest } from '@nightshift/proto';
import type { QueueJobData } from '../queueing/index.js';

/** The jobs' tokens back to back, with offsets: one buffer for the whole batch. */
export function batchRequest(batchId: string, jobs: readonly Job<QueueJobData>[]): RunBatchRequest {
  const first = jobs[0]!.data.spec;
  const parts = jobs.map((j) => Buffer.from(j.data.tokens, 'base64'));
  const offsets = [0];
  for (const p of parts) offsets.push(offsets.at(-1)! + p.length / 4);
  return {
    batchId,
    op: first.op,
    params: toOpParams(first),
    jobIds: jobs.map((j) => j.data.id),
    tokens: Buffer.concat(parts),
    offsets,
  };
}

export function batchKey(job: Job<QueueJobData>): string {
  return opKey(job.data.spec);
}
