// The CUDA path against the CPU kernels on every case of compare/cases.ts (scripts/gpu-check.sh
// step 2). Usage: node … bench/gpu-compare.ts [REPORT.json]. COMPARE_A (default cuda) and
// COMPARE_B (default the CPU's best ISA) name the sides; COMPARE_PROFILE=quick runs the small
// profile. Prints the first mismatches with their inputs; exits 1 on any.
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { loadNative } from '../src/native/index.js';
import { compareCases, FULL_PROFILE, QUICK_PROFILE } from './compare/cases.js';
import { compareBackends, describeProblems } from './compare/compare.js';
import { runnerFor } from './compare/runners.js';

async function main(): Promise<void> {
  const loaded = loadNative();
  if (!loaded.addon) throw new Error(loaded.reason);
  const addon = loaded.addon;
  addon.init({ threads: availableParallelism() });
  const a = runnerFor(addon, process.env.COMPARE_A ?? 'cuda');
  const b = runnerFor(addon, process.env.COMPARE_B ?? `cpu-${addon.buildInfo().cpuIsas[0]}`);
  const cases = compareCases(process.env.COMPARE_PROFILE === 'quick' ? QUICK_PROFILE : FULL_PROFILE);
  process.stdout.write(`comparing ${a.name} against ${b.name} on ${cases.length} batches\n`);
  const report = await compareBackends(cases, a, b, (c, bad) => process.stderr.write(bad ? 'x' : '.'));
  process.stderr.write('\n');
  process.stdout.write(`${report.cases} batches, ${report.jobs.toLocaleString('en-US')} jobs, ${report.tokens.toLocaleString('en-US')} tokens: ${report.mismatches.length} mismatching jobs, ${report.failures.length} failed runs (${a.name} ${report.seconds.a.toFixed(1)} s, ${b.name} ${report.seconds.b.toFixed(1)} s)\n`);
  for (const [op, o] of Object.entries(report.ops)) process.stdout.write(`  ${op}: ${o.jobs} jobs, largest difference within tolerance ${o.maxDifference} (tolerance ${o.tolerance})\n`);
  for (const line of describeProblems(report, 8)) process.stdout.write(`  ${line}\n`);
  if (process.argv[2]) writeFileSync(process.argv[2], `${JSON.stringify(report, null, 1)}\n`);
  process.exit(report.ok ? 0 : 1);
}

main().catch((err: unknown) => {
  process.stderr.write(`gpu-compare failed: ${(err as Error).stack}\n`);
  process.exit(2);
});
