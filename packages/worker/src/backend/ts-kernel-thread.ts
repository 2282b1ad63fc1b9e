import { performance } from 'node:perf_hooks';
import type { OpSpec } from '@nightshift/proto';
import { runOp } from '../kernels/index.js';

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

/** Piscina task: runs some jobs of a batch; one job's failure is that job's alone. */
export default function runJobs(task: ThreadTask): ThreadResult {
  const out: ThreadResult = { jobs: task.jobs, values: [], errors: [], seconds: [] };
  for (const j of task.jobs) {
    const t0 = performance.now();
    try {
      out.values.push(runOp(task.spec, task.tokens.subarray(task.offsets[j]!, task.offsets[j + 1]!)));
      out.errors.push(null);
    } catch (err) {
      out.values.push(null);
      out.errors.push(`${task.spec.op} kernel failed: ${(err as Error).message}`);
    }
    out.seconds.push((performance.now() - t0) / 1000);
  }
  return out;
}
