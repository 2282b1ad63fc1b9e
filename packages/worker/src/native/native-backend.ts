import { resultLength } from '@nightshift/proto';
import type { BatchInput, BatchOutput, KernelBackend } from '../backend/kernel-backend.js';
import type { NativeAddon, NativeBackendInfo } from './native.js';
import { checkNativeBatch, nativeParams } from './native-params.js';

/** The addon's kernels (CUDA, else CPU SIMD): one native call per batch, off the event loop. */
export class NativeBackend implements KernelBackend {
  readonly name: string;
  /** Each batch runs as one Node-API async worker, on a thread of libuv's pool. */
  readonly kernelThreads = Number(process.env.UV_THREADPOOL_SIZE) || 4;

  constructor(
    private readonly addon: NativeAddon,
    readonly info: NativeBackendInfo,
  ) {
    this.name = info.name;
  }

  async run(batch: BatchInput): Promise<BatchOutput> {
    const params = nativeParams(batch.spec);
    checkNativeBatch(batch.spec, batch.tokens, batch.offsets);
    const r = await this.addon.runBatch(batch.spec.op, params, batch.tokens, batch.offsets);
    const len = resultLength(batch.spec);
    const n = batch.offsets.length - 1;
    return {
      // Views, not copies: the results stay in the one array the addon returned.
      jobs: Array.from({ length: n }, (_, i) => ({ ok: true as const, value: r.out.subarray(i * len, (i + 1) * len) })),
      jobSeconds: Array.from(r.jobSeconds),
      seconds: r.seconds,
      values: r.out,
    };
  }

  async close(): Promise<void> {
    // The addon's threads live as long as the process.
  }
}
