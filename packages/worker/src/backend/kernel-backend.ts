import type { OpSpec } from '@nightshift/proto';

/** A ragged batch: job i's tokens are tokens[offsets[i] … offsets[i+1]). */
export interface BatchInput {
  spec: OpSpec;
  tokens: Uint32Array;
  offsets: Uint32Array;
}

export type JobOutput = { ok: true; value: Uint32Array | Float32Array } | { ok: false; error: string };

export interface BatchOutput {
  jobs: JobOutput[];
  /** Kernel seconds per job (its own compute time). */
  jobSeconds: number[];
  /** Wall seconds of the whole batch. */
  seconds: number;
  /**
   * Every job's result back to back in one array, when the backend made them so (the native
   * addon): a packed reply sends its bytes without copying each job's.
   */
  values?: Uint32Array | Float32Array;
}

/** The port through which the service runs kernels; the TypeScript pool is one backend, the native addon others. */
export interface KernelBackend {
  readonly name: string;
  /** Threads that run kernels: how many batches it needs at once to touch each of them (the warm-up). */
  readonly kernelThreads: number;
  run(batch: BatchInput): Promise<BatchOutput>;
  close(): Promise<void>;
}
