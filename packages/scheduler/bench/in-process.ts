import { resolveOp, type OpName } from '@nightshift/proto';
import { loadNative, nativeParams, packBatch } from '@nightshift/worker';

/**
 * The ceiling of the benchmarks: batches run by the native kernels in this process, with no queue,
 * `lanes` at a time (as many as the workers have kernel threads, each call on one thread).
 */
export async function runInProcess(op: OpName, batches: ReadonlyArray<readonly Uint32Array[]>, lanes: number): Promise<void> {
  const addon = loadNative().addon!;
  addon.init({ threads: 1 });
  const params = nativeParams(resolveOp(op, null));
  let next = 0;
  const lane = async () => {
    for (let i = next++; i < batches.length; i = next++) {
      const { tokens, offsets } = packBatch(batches[i]!);
      await addon.runBatch(op, params, tokens, offsets);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
}
