// pnpm bench:kernels — the native CPU kernels against the TypeScript reference, and, where a
// GPU is usable (or BENCH_DEVICE names a stand-in), the CUDA path against the CPU kernels, on
// this machine, in one run. BENCH_REFERENCE=0 leaves the TypeScript reference out; BENCH_JSON=FILE
// writes the figures. Prints tables; BENCHMARKS.md records them.
import { writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolveOp, type OpName, type OpSpec } from '@nightshift/proto';
import { TsBackend } from '../src/backend/ts-backend.js';
import { loadNative, NativeBackend, type NativeAddon } from '../src/native/index.js';
import type { KernelBackend } from '../src/backend/kernel-backend.js';
import { attentionFlops, fmt, makeBatch, si, table } from './format.js';
import { benchDevice, type DeviceFigures } from './kernels-device.js';

const LENGTHS = [128, 512, 2048, 8192];
const BATCHES = [1, 64];
// The TypeScript reference is timed on a prefix of a batch when the whole would take longer than this (seconds).
const TS_BUDGET_SECONDS = 2;
const ROUNDS = 3;
const threads = availableParallelism();


/** Best of `reps` runs, in seconds; at least one warm-up run first. */
async function time(backend: KernelBackend, spec: OpSpec, tokens: Uint32Array, offsets: Uint32Array, reps: number): Promise<number> {
  await backend.run({ spec, tokens, offsets });
  let best = Infinity;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await backend.run({ spec, tokens, offsets });
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  return best;
}

async function main(): Promise<void> {
  const loaded = loadNative();
  if (!loaded.addon) throw new Error(loaded.reason);
  const addon: NativeAddon = loaded.addon;
  // The CPU kernels here, whatever device the machine has: the device gets its own section.
  const info = addon.init({ threads, forceCpu: true });
  const native = new NativeBackend(addon, info);
  const deviceName = process.env.BENCH_DEVICE ?? (addon.cudaDevice().usable ? 'cuda' : '');
  const reference = process.env.BENCH_REFERENCE !== '0';
  const figures: { machine: string; threads: number; node: string; backend: string; reference: string[][]; device?: DeviceFigures; minhashOneThreadNsPerToken?: number } = {
    machine: cpus()[0]?.model ?? 'unknown CPU', threads, node: process.version, backend: `${info.name} — ${info.reason}`, reference: [],
  };
  const ts = new TsBackend(threads);
  const out: string[] = [];
  const say = (s = '') => {
    out.push(s);
    process.stdout.write(`${s}\n`);
  };

  say(`machine: ${cpus()[0]?.model ?? 'unknown CPU'}, ${threads} cores, node ${process.version}`);
  say(`native CPU backend: ${info.name} — ${info.reason}`);
  const cuda = addon.cudaDevice();
  say(`device: ${cuda.usable ? `${cuda.name} (compute capability ${cuda.computeCapability}, ${cuda.multiprocessors} multiprocessors, ${fmt(cuda.memoryBytes / 2 ** 30, 1)} GiB)` : `none usable (${cuda.reason})`}`);
  say(`threads: ${threads} for both backends (native: its thread pool; TypeScript: worker threads)`);
  say();

  // 1. Throughput per op, length and batch size: three interleaved rounds of native then
  // reference, reported as medians, so that a passing disturbance on a shared machine moves
  // neither side alone.
  const specs: Record<OpName, OpSpec> = { minhash: resolveOp('minhash', null), embed: resolveOp('embed', null), attention: resolveOp('attention', null) };
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const rows: string[][] = [];
  for (const op of reference ? (['minhash', 'embed', 'attention'] as const) : []) {
    for (const length of LENGTHS) {
      for (const jobs of BATCHES) {
        const { tokens, offsets } = makeBatch(jobs, length, length * 131 + jobs);
        // The reference on as many jobs of the batch as fit the budget (estimated from one job).
        const one = makeBatch(1, length, 7);
        const oneSec = await time(ts, specs[op], one.tokens, one.offsets, 1);
        // At least one job per thread, so that the reference too has every core working.
        const k = Math.min(jobs, Math.max(threads, Math.floor((TS_BUDGET_SECONDS * threads) / Math.max(oneSec, 1e-6))));
        const sub = k === jobs ? { tokens, offsets } : makeBatch(k, length, length * 131 + jobs);
        const nativeRates: number[] = [];
        const tsRates: number[] = [];
        const ratios: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const n = (jobs * length) / (await time(native, specs[op], tokens, offsets, 3));
          const t = (k * length) / (await time(ts, specs[op], sub.tokens, sub.offsets, 1));
          nativeRates.push(n);
          tsRates.push(t);
          ratios.push(n / t);
        }
        rows.push([op, fmt(length), fmt(jobs), si(median(nativeRates)), si(median(tsRates)) + (k < jobs ? ` (${k} jobs)` : ''), `${fmt(median(ratios), 1)}×`, `${fmt(Math.min(...ratios), 1)}–${fmt(Math.max(...ratios), 1)}`]);
        process.stderr.write('.');
      }
    }
  }
  process.stderr.write('\n');
  figures.reference = rows;
  if (reference) {
    say(`tokens per second, native vs the TypeScript reference: medians of ${ROUNDS} interleaved rounds (native: best of 3 in each), default params: minhash 128 perms, embed dim 256, attention dim 64`);
    say();
    say(table(['op', 'length', 'batch', 'native tok/s', 'TypeScript tok/s', 'ratio', 'ratio range'], rows));
    say();
  }

  // 2. Attention against this machine's FMA peak.
  const fma = addon.probeFma(2e8 / threads, threads);
  const peak = fma.flops / fma.seconds;
  const fmaOne = addon.probeFma(1e8, 1);
  const attRows: string[][] = [];
  for (const jobs of [1, 8]) {
    const { tokens, offsets } = makeBatch(jobs, 2048, 99 + jobs);
    const sec = await time(native, specs.attention, tokens, offsets, 3);
    const gflops = (jobs * attentionFlops(2048, 64)) / sec / 1e9;
    attRows.push([`2,048 × ${jobs}`, fmt(sec * 1000, 1), fmt(gflops, 1), fmt(peak / 1e9, 1), `${fmt((100 * gflops * 1e9) / peak, 0)}%`]);
  }
  say(`attention at length 2,048, dim 64, on all ${threads} cores, against the FMA peak measured now (${fmt(fmaOne.flops / fmaOne.seconds / 1e9, 1)} GFLOP/s on one core)`);
  say();
  say(table(['sequence × batch', 'ms', 'GFLOP/s', 'peak GFLOP/s', 'of peak'], attRows));
  say();

  // 3. Minhash against memory-read bandwidth.
  const read = addon.probeRead(256 * 1024 * 1024, threads, 3);
  const bw = read.bytes / read.seconds;
  const mhRows: string[][] = [];
  for (const [jobs, length] of [[64, 2048], [1, 1_000_000]] as const) {
    const { tokens, offsets } = makeBatch(jobs, length, 5);
    const sec = await time(native, specs.minhash, tokens, offsets, 3);
    const bytes = (tokens.length * 4) / sec;
    mhRows.push([`${fmt(length)} × ${jobs}`, `${fmt(bytes / 1e9, 2)} GB/s`, `${fmt(bw / 1e9, 2)} GB/s`, `${fmt((100 * bytes) / bw, 1)}%`]);
  }
  say(`minhash (128 permutations): bytes of token ids hashed per second, against a memory-read bandwidth measured now (${threads} threads reading 256 MiB each)`);
  say();
  say(table(['sequence × batch', 'hashed', 'memory read', 'ratio'], mhRows));
  // One thread, the kernel's own cost per token without the pool.
  addon.init({ threads: 1, forceCpu: true });
  const one = makeBatch(64, 2048, 11);
  const oneSec = await time(native, specs.minhash, one.tokens, one.offsets, 5);
  figures.minhashOneThreadNsPerToken = (oneSec * 1e9) / one.tokens.length;
  say();
  say(`minhash on one thread (64 × 2,048 tokens): ${fmt(figures.minhashOneThreadNsPerToken, 2)} ns a token`);
  addon.init({ threads, forceCpu: true });
  say();

  if (deviceName) figures.device = await benchDevice(addon, deviceName, threads, say);
  if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, `${JSON.stringify(figures, null, 1)}\n`);
  await ts.close();
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${(err as Error).stack}\n`);
  process.exit(1);
});
