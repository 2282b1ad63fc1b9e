#!/usr/bin/env node
// scripts/gpu-check.sh's last step: one Markdown report and one JSON file from what each step
// left in WORKDIR. Usage: node scripts/gpu-report.mjs WORKDIR OUTDIR. Exits 1 when a step
// failed or the comparison found a mismatch.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';

const [work, out] = process.argv.slice(2);
const read = (name) => (existsSync(join(work, name)) ? readFileSync(join(work, name), 'utf8') : null);
const json = (name) => {
  const text = read(name);
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
};
const STEPS = [['build', 'build the addon'], ['compare', 'CUDA against the CPU kernels'], ['kernels', 'bench:kernels'], ['batching', 'bench:batching (attention)'], ['batch-object', 'bench:batching, one batch object']];
const steps = STEPS.map(([name, what]) => {
  const status = read(`${name}.status`)?.trim();
  return { name, what, ran: status !== undefined, rc: status === undefined ? null : Number(status) };
});
const info = json('device.json');
const compare = json('compare.json');
const kernels = json('kernels.json');
const batching = json('batching.json');
// Tables and captions from a step's output: its lines less progress dots and log noise.
const tables = (name) => (read(`${name}.txt`) ?? '').split('\n').filter((l) => !/^[.x]+$/.test(l.trim()) && !l.startsWith('{')).join('\n').trim();

const ok = steps.every((s) => !s.ran || s.rc === 0) && steps.some((s) => s.name === 'compare' && s.ran) && compare?.ok === true;
const d = info?.device ?? {};
const v = (n) => (n ? `${Math.floor(n / 1000)}.${(n % 1000) / 10}` : '—');
const lines = [
  `# GPU check: ${ok ? 'passed' : 'FAILED'}${read('standin')?.trim() ? ` (a rehearsal: ${read('standin').trim()} stood in for the device)` : ''}`,
  '',
  `- device: ${d.usable ? `${d.name}, compute capability ${d.computeCapability}, ${d.multiprocessors} multiprocessors at ${d.clockKHz / 1000} MHz, ${(d.memoryBytes / 2 ** 30).toFixed(1)} GiB, L2 ${(d.l2Bytes / 2 ** 20).toFixed(0)} MiB, nominal FP32 peak ${(d.fp32PeakFlops / 1e12).toFixed(1)} TFLOP/s` : `none usable (${d.reason ?? 'unknown'})`}`,
  `- CUDA: driver supports ${v(d.driverVersion)}, runtime ${v(d.runtimeVersion)}; addon ${info?.addonFrom ?? '—'}, built for sm_${(info?.build?.cudaArchs ?? []).join(', sm_')}`,
  `- backend(): ${info?.backend ? `${info.backend.name} — ${info.backend.reason}` : '—'}`,
  `- host: ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, node ${process.version}; ${read('seconds')?.trim() ?? '?'} s in all`,
  '',
  '| step | result |',
  '| --- | --- |',
  ...steps.map((s) => `| ${s.what} | ${!s.ran ? 'not run' : s.rc === 0 ? 'ok' : s.rc === 124 || s.rc === 137 ? 'timed out' : `failed (exit ${s.rc})`} |`),
  '',
  '## CUDA against the CPU kernels',
  '',
];
if (compare) {
  lines.push(`${compare.cases} batches, ${compare.jobs.toLocaleString('en-US')} jobs, ${compare.tokens.toLocaleString('en-US')} tokens, ${compare.a} against ${compare.b}: **${compare.mismatches.length} mismatching jobs, ${compare.failures.length} failed runs** (${compare.a} ${compare.seconds.a.toFixed(1)} s, ${compare.b} ${compare.seconds.b.toFixed(1)} s in all).`, '');
  lines.push('| op | jobs | largest difference (within tolerance) | tolerance |', '| --- | ---: | ---: | ---: |');
  for (const [op, o] of Object.entries(compare.ops)) lines.push(`| ${op} | ${o.jobs} | ${o.maxDifference} | ${o.tolerance} |`);
  lines.push('');
  for (const m of compare.mismatches.slice(0, 10)) lines.push(`- ${m.case}, job ${m.job} (${m.length} tokens, first ${JSON.stringify(m.firstTokens)}): off by ${m.maxDifference}; ${compare.a} ${JSON.stringify(m.got)} vs ${compare.b} ${JSON.stringify(m.want)}`);
  for (const f of compare.failures.slice(0, 10)) lines.push(`- ${f.case}: ${f.runner} failed: ${f.error}`);
} else lines.push('No comparison report (see the log).');
lines.push('', '## bench:kernels', '', tables('kernels') || 'Not run.', '', '## bench:batching, attention', '', tables('batching') || 'Not run.', '', '## The same documents as one batch object', '', tables('batch-object') || 'Not run.', '');
writeFileSync(join(out, 'report.md'), `${lines.join('\n')}\n`);
writeFileSync(join(out, 'gpu-check.json'), `${JSON.stringify({ ok, steps, device: info, compare, kernels, batching }, null, 1)}\n`);
process.stdout.write(`${lines.slice(0, 12).join('\n')}\nreport: ${join(out, 'report.md')}\n`);
process.exit(ok ? 0 : 1);
