// The sides a comparison can take: the addon's CUDA path, one of its CPU ISAs, or the TypeScript kernels.
import type { OpSpec } from '@nightshift/proto';
import { runOp } from '../../src/kernels/index.js';
import { nativeParams, type NativeAddon } from '../../src/native/index.js';
import type { BatchRunner } from './compare.js';

/** One of the addon's paths; a call that ran on another (`backend` says which) throws `wrong(backend)`. */
function addonRunner(addon: NativeAddon, name: string, opts: { isa?: string; device?: 'cuda' }, wrong: (backend: string) => string): BatchRunner {
  const runner: BatchRunner = {
    name,
    async run(spec: OpSpec, tokens: Uint32Array, offsets: Uint32Array) {
      const r = await addon.runBatch(spec.op, nativeParams(spec), tokens, offsets, opts);
      if (r.backend !== name) throw new Error(wrong(r.backend));
      runner.lastCall = { seconds: r.seconds, kernelSeconds: r.jobSeconds.reduce((x, y) => x + y, 0) };
      return r.out;
    },
  };
  return runner;
}

/**
 * The addon's CUDA path. The addon reruns a batch on the CPU when the device fails, and says so
 * in `backend`: such a run is a failure here, or the check would compare the CPU with itself.
 */
export const cudaRunner = (addon: NativeAddon): BatchRunner => addonRunner(addon, 'cuda', { device: 'cuda' }, (b) => `the CUDA path did not run: ${b}`);

/** The addon's CPU kernels on one ISA ("avx512", "avx2", "portable"). */
export const cpuRunner = (addon: NativeAddon, isa: string): BatchRunner => addonRunner(addon, `cpu-${isa}`, { isa }, (b) => `asked for cpu-${isa}, ran on ${b}`);

/** The TypeScript kernels, one job at a time on this thread. */
export function typescriptRunner(): BatchRunner {
  return {
    name: 'typescript',
    async run(spec: OpSpec, tokens: Uint32Array, offsets: Uint32Array) {
      const parts: ArrayLike<number>[] = [];
      for (let i = 0; i + 1 < offsets.length; i++) parts.push(runOp(spec, tokens.subarray(offsets[i]!, offsets[i + 1]!)));
      const out = new Float64Array(parts.reduce((s, p) => s + p.length, 0));
      let at = 0;
      for (const p of parts) {
        out.set(p, at);
        at += p.length;
      }
      return out;
    },
  };
}

/** A side named by its backend name: "cuda" or "cpu-<isa>". */
export function runnerFor(addon: NativeAddon, name: string): BatchRunner {
  if (name === 'cuda') return cudaRunner(addon);
  if (name.startsWith('cpu-')) return cpuRunner(addon, name.slice(4));
  throw new Error(`unknown backend ${name} (cuda or cpu-<isa>)`);
}
