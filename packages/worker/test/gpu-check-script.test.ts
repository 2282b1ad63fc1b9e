// scripts/gpu-check.sh on a machine without a GPU: it must say so at once and build nothing,
// and its every step must run end to end with a CPU ISA standing in for the device (a rehearsal
// of the code a lent GPU's few minutes depend on).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const script = join(root, 'scripts/gpu-check.sh');

function check(env: Record<string, string>, timeout = 30_000) {
  const out = mkdtempSync(join(tmpdir(), 'gpu-check-'));
  const r = spawnSync('bash', [script, out], { env: { ...process.env, ...env }, encoding: 'utf8', timeout });
  const read = (f: string) => readFileSync(join(out, f), 'utf8');
  return { status: r.status, stdout: r.stdout, out, read, done: () => rmSync(out, { recursive: true, force: true }) };
}

test('no nvidia-smi: exit 3 at once, the reason in the report and the JSON, nothing built', () => {
  const r = check({ GPU_CHECK_SMI: '/nonexistent/nvidia-smi' });
  try {
    assert.equal(r.status, 3);
    assert.match(r.stdout, /no usable GPU: nvidia-smi was not found/);
    assert.match(r.read('report.md'), /^# GPU check: no usable GPU/);
    assert.deepEqual(JSON.parse(r.read('gpu-check.json')), { ok: false, gpu: false, reason: 'nvidia-smi was not found (/nonexistent/nvidia-smi): no NVIDIA driver is installed on this machine.' });
    assert.doesNotMatch(r.read('gpu-check.log'), /== 1\./);
  } finally {
    r.done();
  }
});

test('an nvidia-smi that cannot reach the driver: exit 3 with its message', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fake-smi-'));
  const smi = join(dir, 'nvidia-smi');
  writeFileSync(smi, "#!/bin/sh\necho \"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\"\nexit 9\n");
  chmodSync(smi, 0o755);
  const r = check({ GPU_CHECK_SMI: smi });
  try {
    assert.equal(r.status, 3);
    assert.match(JSON.parse(r.read('gpu-check.json')).reason, /nvidia-smi failed: NVIDIA-SMI has failed because it couldn't communicate/);
  } finally {
    r.done();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the rehearsal: every step with cpu-portable standing in for the device, one report', () => {
  const r = check({ GPU_CHECK_STANDIN: 'cpu-portable' }, 300_000);
  try {
    assert.equal(r.status, 0, r.stdout.slice(-3000));
    const report = r.read('report.md');
    assert.match(report, /^# GPU check: passed \(a rehearsal: cpu-portable stood in for the device\)/);
    for (const step of ['CUDA against the CPU kernels', 'bench:kernels', 'bench:batching \\(attention\\)', 'bench:batching, one batch object']) assert.match(report, new RegExp(`\\| ${step} \\| ok \\|`));
    const json = JSON.parse(r.read('gpu-check.json'));
    assert.equal(json.ok, true);
    assert.equal(json.compare.a, 'cpu-portable');
    assert.equal(json.compare.mismatches.length, 0);
    assert.ok(json.kernels.device.rows.length > 0, 'bench:kernels measured the stand-in');
    assert.equal(json.batching.rows[0].op, 'attention');
  } finally {
    r.done();
  }
});

test('the report fails the check on a mismatch and lists the job with its inputs', () => {
  const work = mkdtempSync(join(tmpdir(), 'gpu-report-'));
  try {
    for (const step of ['build', 'compare', 'kernels', 'batching', 'batch-object']) writeFileSync(join(work, `${step}.status`), step === 'compare' ? '1\n' : '0\n');
    const mismatch = { case: 'embed batch of 7', op: 'embed', params: {}, job: 2, length: 40, maxDifference: 0.5, tolerance: 1e-5, firstTokens: [1, 2, 3], got: [0.5], want: [0] };
    writeFileSync(join(work, 'compare.json'), JSON.stringify({ a: 'cuda', b: 'cpu-avx2', cases: 1, jobs: 7, tokens: 300, ops: {}, mismatches: [mismatch], failures: [], seconds: { a: 0, b: 0 }, ok: false }));
    const r = spawnSync(process.execPath, [join(root, 'scripts/gpu-report.mjs'), work, work], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    const report = readFileSync(join(work, 'report.md'), 'utf8');
    assert.match(report, /^# GPU check: FAILED/);
    assert.match(report, /\*\*1 mismatching jobs, 0 failed runs\*\*/);
    assert.match(report, /embed batch of 7, job 2 \(40 tokens, first \[1,2,3\]\): off by 0.5/);
    assert.match(report, /\| CUDA against the CPU kernels \| failed \(exit 1\) \|/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
