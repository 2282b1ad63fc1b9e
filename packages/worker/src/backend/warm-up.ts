import { OP_NAMES, PARAM_SCHEMAS, type OpSpec } from '@nightshift/proto';
import type { KernelBackend } from './kernel-backend.js';

/** A small batch: four jobs of 256 tokens. */
const JOBS = 4;
const LENGTH = 256;

/**
 * Runs every op on a small batch, `backend.kernelThreads` batches at once so that each kernel thread
 * takes one, before the worker serves: the first batch each thread runs (and, on a GPU, the first
 * launch, which creates the CUDA context) is several times slower than the rest. Measured: 4 batches
 * of 4 × 300 tokens took 64–92 µs for minhash and 1.7–1.8 ms for attention on each of the 4 libuv
 * threads, then 25 µs and 0.5 ms. Left in the first real batches, that time was billed to their jobs
 * and taught the cost model that the op costs several times what it does. It also checks the
 * kernels: a batch that fails here fails the start. Resolves with the milliseconds it took.
 */
export async function warmUp(backend: KernelBackend): Promise<number> {
  const t0 = performance.now();
  const tokens = Uint32Array.from({ length: JOBS * LENGTH }, (_, i) => (i * 2654435761) >>> 12);
  const offsets = Uint32Array.from({ length: JOBS + 1 }, (_, i) => i * LENGTH);
  for (const op of OP_NAMES) {
    const spec = { op, params: PARAM_SCHEMAS[op].parse({}) } as OpSpec;
    const outputs = await Promise.all(Array.from({ length: backend.kernelThreads }, () => backend.run({ spec, tokens, offsets })));
    const failed = outputs.flatMap((o) => o.jobs).find((j) => !j.ok);
    if (failed && !failed.ok) throw new Error(`warm-up: ${op} failed on the ${backend.name} kernels: ${failed.error}`);
  }
  return performance.now() - t0;
}
