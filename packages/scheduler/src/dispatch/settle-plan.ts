import type { JobOutcome__Output } from '@nightshift/proto';

export type Settlement =
  | { kind: 'succeed'; result: Uint32Array | Float32Array; kernelSeconds: number }
  | { kind: 'retry'; error: string; kernelSeconds: number }
  | { kind: 'fail'; error: string; kernelSeconds: number };

export interface AttemptInfo {
  /** Failed attempts before this one (BullMQ's attemptsMade). */
  failedBefore: number;
  maxAttempts: number;
}

/** Retry while attempts remain, as BullMQ will (its rule: attemptsMade + 1 < attempts). */
export function failure(error: string, a: AttemptInfo, kernelSeconds = 0): Settlement {
  return a.failedBefore + 1 < a.maxAttempts ? { kind: 'retry', error, kernelSeconds } : { kind: 'fail', error, kernelSeconds };
}

/** What to do with each job of a batch given the worker's reply (or its absence). */
export function planSettlement(
  jobIds: readonly string[],
  attempts: readonly AttemptInfo[],
  reply: { outcomes: readonly JobOutcome__Output[] } | { error: string },
): Settlement[] {
  if ('error' in reply) return jobIds.map((_, i) => failure(reply.error, attempts[i]!));
  const byId = new Map(reply.outcomes.map((o) => [o.jobId, o]));
  return jobIds.map((id, i) => {
    const o = byId.get(id);
    const a = attempts[i]!;
    if (!o) return failure('the worker returned no outcome for this job', a);
    if (o.outcome === 'result' && o.result) {
      const r = o.result;
      const result = r.signature.length > 0 ? Uint32Array.from(r.signature) : Float32Array.from(r.vector);
      return { kind: 'succeed', result, kernelSeconds: o.kernelSeconds };
    }
    return failure(o.error || 'the worker reported neither a result nor an error', a, o.kernelSeconds);
  });
}
