// bench:kernels on an accelerator: the CUDA path next to the CPU kernels on every core, tokens/s
// per op, length and batch size, and attention's GFLOP/s against the device's nominal FP32 peak.
// BENCH_DEVICE=cpu-portable stands a CPU ISA in for the device (a rehearsal of this code on a
// machine without one).
import { performance } from 'node:perf_hooks';
import { resolveOp, type OpName, type OpSpec } from '@nightshift/proto';
import type { NativeAddon } from '../src/native/index.js';
import { cpuRunner, runnerFor } from './compare/runners.js';
import type { BatchRunner } from './compare/compare.js';
import { attentionFlops, fmt, makeBatch, si, table } from './format.js';

// BENCH_DEVICE_QUICK=1: one length and two batch sizes (the check's rehearsal on a CPU).
const QUICK = process.env.BENCH_DEVICE_QUICK === '1';
const LENGTHS = QUICK ? [128] : [128, 2048, 8192];
const BATCHES = QUICK ? [1, 64] : [1, 64, 1024];
/** The CPU side is timed on a prefix of a batch that would take longer than this (seconds). */
const CPU_BUDGET_SECONDS = 0.5;

export interface DeviceRow {
  op: OpName;
  length: number;
  batch: number;
  deviceTokensPerSecond: number;
  cpuTokensPerSecond: number;
  cpuJobsTimed: number;
  /** Of the device's best call: the share spent in native code, and in the stream (copies and kernels). */
  nativeShare: number;
  streamShare: number;
}

export interface DeviceFigures {
  device: string;
  cpu: string;
  rows: DeviceRow[];
  attention: { length: number; batch: number; ms: number; gflops: number; peakGflops: number }[];
}

/** Best of `reps` runs after one warm-up, in seconds, with the addon's account of that run. */
async function timed(runner: BatchRunner, spec: OpSpec, b: { tokens: Uint32Array; offsets: Uint32Array }, reps: number): Promise<{ seconds: number; call?: BatchRunner['lastCall'] }> {
  await runner.run(spec, b.tokens, b.offsets);
  let s = Infinity;
  let call: BatchRunner['lastCall'];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    await runner.run(spec, b.tokens, b.offsets);
    const took = (performance.now() - t0) / 1000;
    if (took < s) [s, call] = [took, runner.lastCall];
  }
  return { seconds: s, call };
}
const best = async (runner: BatchRunner, spec: OpSpec, b: { tokens: Uint32Array; offsets: Uint32Array }, reps: number) => (await timed(runner, spec, b, reps)).seconds;

export async function benchDevice(addon: NativeAddon, deviceName: string, threads: number, say: (s?: string) => void): Promise<DeviceFigures> {
  const device = runnerFor(addon, deviceName);
  const cpu = cpuRunner(addon, addon.buildInfo().cpuIsas[0]!);
  const dev = addon.cudaDevice();
  const specs: Record<OpName, OpSpec> = { minhash: resolveOp('minhash', null), embed: resolveOp('embed', null), attention: resolveOp('attention', null) };
  const figures: DeviceFigures = { device: deviceName === 'cuda' ? dev.name : deviceName, cpu: cpu.name, rows: [], attention: [] };
  const rows: string[][] = [];
  for (const op of ['minhash', 'embed', 'attention'] as const) {
    for (const length of LENGTHS) {
      for (const jobs of BATCHES) {
        const batch = makeBatch(jobs, length, length * 131 + jobs);
        const { seconds: devSec, call } = await timed(device, specs[op], batch, 3);
        // The CPU on as many jobs as fit its budget, estimated from one job.
        const oneSec = await best(cpu, specs[op], makeBatch(1, length, 7), 1);
        const k = Math.min(jobs, Math.max(1, Math.floor(CPU_BUDGET_SECONDS / Math.max(oneSec, 1e-7))));
        const cpuSec = await best(cpu, specs[op], k === jobs ? batch : makeBatch(k, length, length * 131 + jobs), 2);
        const row = { op, length, batch: jobs, deviceTokensPerSecond: (jobs * length) / devSec, cpuTokensPerSecond: (k * length) / cpuSec, cpuJobsTimed: k,
          nativeShare: (call?.seconds ?? 0) / devSec, streamShare: (call?.kernelSeconds ?? 0) / devSec };
        figures.rows.push(row);
        rows.push([op, fmt(length), fmt(jobs), si(row.deviceTokensPerSecond), si(row.cpuTokensPerSecond) + (k < jobs ? ` (${k} jobs)` : ''), `${fmt(row.deviceTokensPerSecond / row.cpuTokensPerSecond, 1)}×`, `${fmt(100 * row.nativeShare)}% / ${fmt(100 * row.streamShare)}%`]);
        process.stderr.write('.');
      }
    }
  }
  process.stderr.write('\n');
  say(`tokens per second, ${figures.device} against the CPU kernels (${cpu.name}, ${threads} threads): best of 3 (device) and 2 (CPU) after a warm-up, default params (minhash 128 perms, embed dim 256, attention dim 64); each call copies its tokens in and its results out`);
  say();
  say(table(['op', 'length', 'batch', `${deviceName} tok/s`, 'CPU tok/s', 'ratio', 'call: native / stream'], rows));
  say();
  say('call: of the device\'s best call (from JS and back), the share in native code off the event loop, and the share in the device stream (copies in, kernels, copy out, by CUDA events); the rest is the JS side (the call and its promise, and the results copied out)');
  say();

  const peak = dev.fp32PeakFlops;
  const attRows: string[][] = [];
  for (const [length, jobs] of QUICK ? ([[2048, 1]] as const) : ([[2048, 8], [2048, 64], [8192, 8], [8192, 64]] as const)) {
    const sec = await best(device, specs.attention, makeBatch(jobs, length, 99 + jobs), 3);
    const gflops = (jobs * attentionFlops(length, 64)) / sec / 1e9;
    figures.attention.push({ length, batch: jobs, ms: sec * 1000, gflops, peakGflops: peak / 1e9 });
    attRows.push([`${fmt(length)} × ${jobs}`, fmt(sec * 1000, 2), fmt(gflops, 0), peak ? fmt(peak / 1e9, 0) : '—', peak ? `${fmt((100 * gflops * 1e9) / peak, 1)}%` : '—']);
  }
  say(`attention (dim 64) on ${figures.device}: GFLOP/s against the nominal FP32 peak (${dev.multiprocessors} multiprocessors × ${dev.fp32LanesPerSm} lanes × 2 × ${fmt(dev.clockKHz / 1e3)} MHz)`);
  say();
  say(table(['sequence × batch', 'ms', 'GFLOP/s', 'peak GFLOP/s', 'of peak'], attRows));
  say();
  return figures;
}
