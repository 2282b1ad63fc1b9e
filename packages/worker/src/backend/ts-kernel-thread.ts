import { performance } from 'node:perf_hooks';
import type { OpSpec } from '@nightshift/proto';
import { attention, embed, minhash } from '../kernels/index.js';

export interface ThreadTask {
  spec: OpSpec;
  /** The whole batch's tokens, in a SharedArrayBuffer. */
  tokens: Uint32Array;
  offsets: Uint32Array;
  /** The jobs of the batch this thread runs. */
  jobs: number[];
}

export interface ThreadResult {
  jobs: number[];
  values: Array<Uint32Array | Float32Array | null>;
  errors: Array<string | null>;
  seconds: number[];
}

function runOne(spec: OpSpec, seq: Uint32Array): Uint32Array | Float32Array {
  const seed = BigInt(spec.params.seed);
  switch (spec.op) {
    case 'minhash':
      return minhash(seq, { numPerm: spec.params.numPerm, shingle: spec.params.shingle, seed });
    case 'embed':
      return embed(seq, { dim: spec.params.dim, seed });
    case 'attention':
      return attention(seq, { dim: spec.params.dim, seed });
  }
}

/** Piscina task: runs some jobs of a batch; one job's failure is that job's alone. */
export default function runJobs(task: ThreadTask): ThreadResult {
  const out: ThreadResult = { jobs: task.jobs, values: [], errors: [], seconds: [] };
  for (const j of task.jobs) {
    const t0 = performance.now();
    try {
      out.values.push(runOne(task.spec, task.tokens.subarray(task.offsets[j]!, task.offsets[j + 1]!)));
      out.errors.push(null);
    } catch (err) {
      out.values.push(null);
      out.errors.push(`${task.spec.op} kernel failed: ${(err as Error).message}`);
    }
    out.seconds.push((performance.now() - t0) / 1000);
  }
  return out;
}
