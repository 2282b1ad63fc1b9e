// The native boundary, declared in one place: every function the addon
// exports, with its types, and how it is found. Nothing else imports the
// .node file.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { OpName } from '@nightshift/proto';

export interface NativeParams {
  numPerm?: number;
  shingle?: number;
  dim?: number;
  seed: bigint;
}

export interface NativeBackendInfo {
  /** "cuda", "cpu-avx512", "cpu-avx2" or "cpu-portable". */
  name: string;
  /** Why this one, e.g. "cuda: no device (…) → cpu-avx2 (avx2: …)". */
  reason: string;
  isa: string;
  threads: number;
  cuda: { built: boolean; usable: boolean; reason: string; device: string };
}

export interface NativeBuildInfo {
  cuda: boolean;
  cudaArchs: number[];
  /** ISAs this CPU can run, best first. */
  cpuIsas: string[];
  compiledIsas: string;
}

export interface NativeBatchResult {
  /** Every job's result back to back: numPerm uint32 or dim float32 each. */
  out: Uint32Array | Float32Array;
  jobSeconds: Float64Array;
  seconds: number;
  backend: string;
}

export interface CudaPlan {
  gridX: number;
  gridY: number;
  blockX: number;
  sharedBytes: number;
  tokensOffset: number;
  offsetsOffset: number;
  coeffsOffset: number;
  outOffset: number;
  scratchOffset: number;
  deviceBytes: number;
}

/** Device 0 as the CUDA runtime sees it (addon.cudaDevice()); zeros and a reason when there is none. */
export interface CudaDevice {
  built: boolean;
  usable: boolean;
  reason: string;
  name: string;
  computeCapability: string;
  multiprocessors: number;
  clockKHz: number;
  fp32LanesPerSm: number;
  /** Nominal: multiprocessors × FP32 lanes × 2 × clock. */
  fp32PeakFlops: number;
  memoryBytes: number;
  l2Bytes: number;
  /** As CUDA encodes them: 13000 is 13.0. */
  driverVersion: number;
  runtimeVersion: number;
}

export interface NativeAddon {
  init(opts: { threads?: number; isa?: string; forceCpu?: boolean }): NativeBackendInfo;
  backend(): NativeBackendInfo;
  buildInfo(): NativeBuildInfo;
  runBatch(op: OpName, params: NativeParams, tokens: Uint32Array, offsets: Uint32Array, opts?: { isa?: string; device?: 'cuda' }): Promise<NativeBatchResult>;
  probeFma(iterationsPerThread: number, threads?: number, isa?: string): { flops: number; seconds: number };
  probeRead(bytesPerThread: number, threads?: number, rounds?: number): { bytes: number; seconds: number; checksum: number };
  cudaPlan(op: OpName, params: NativeParams, tokens: Uint32Array, offsets: Uint32Array): CudaPlan;
  cudaDevice(): CudaDevice;
}

/** Where build.mjs puts the addon (the same path from src/ and from dist/), unless NIGHTSHIFT_NATIVE_ADDON names another. */
export const ADDON_PATH = process.env.NIGHTSHIFT_NATIVE_ADDON || fileURLToPath(new URL('../../native/build/Release/nightshift_kernels.node', import.meta.url));

export type LoadedNative = { addon: NativeAddon; reason?: undefined } | { addon: null; reason: string };

let loaded: LoadedNative | undefined;

/** Loads the addon once; when it cannot be loaded, says why instead of throwing. */
export function loadNative(): LoadedNative {
  if (loaded) return loaded;
  if (!existsSync(ADDON_PATH)) {
    loaded = { addon: null, reason: `the native addon was not built (${ADDON_PATH} is missing; run pnpm --filter @nightshift/worker build:native)` };
  } else {
    try {
      loaded = { addon: createRequire(import.meta.url)(ADDON_PATH) as NativeAddon };
    } catch (err) {
      loaded = { addon: null, reason: `the native addon did not load: ${(err as Error).message}` };
    }
  }
  return loaded;
}
