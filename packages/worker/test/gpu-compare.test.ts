// The comparison scripts/gpu-check.sh runs on a GPU (the CUDA path against the CPU kernels),
// checked here on the CPU: the addon's CPU kernels against the TypeScript ones, and faults
// planted on one side to show what it catches.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resultLength, type OpSpec } from '@nightshift/proto';
import { loadNative, packBatch } from '../src/native/index.js';
import { compareCases, FULL_PROFILE, QUICK_PROFILE, type CompareCase } from '../bench/compare/cases.js';
import { compareBackends, describeProblems, type BatchRunner } from '../bench/compare/compare.js';
import { cpuRunner, cudaRunner, typescriptRunner } from '../bench/compare/runners.js';

const loaded = loadNative();
assert.ok(loaded.addon, `the native addon did not load: ${loaded.reason}`);
const addon = loaded.addon;
addon.init({ threads: 2 });
const cpu = cpuRunner(addon, addon.buildInfo().cpuIsas[0]!);
const quick = compareCases(QUICK_PROFILE);

/** `inner`, with `change` applied to the output of one job of the batch `target`. */
function planted(inner: BatchRunner, target: CompareCase, job: number, change: (out: Float64Array, at: number, len: number) => void): BatchRunner {
  const key = packBatch(target.seqs).tokens;
  return {
    name: `${inner.name}+fault`,
    async run(spec: OpSpec, tokens: Uint32Array, offsets: Uint32Array) {
      const out = Float64Array.from(await inner.run(spec, tokens, offsets));
      if (tokens.length === key.length && tokens.every((t, i) => t === key[i])) change(out, job * resultLength(spec), resultLength(spec));
      return out;
    },
  };
}

test('the cases cover every op, several params, the edge lengths, batches of 1 to 1,024 and 65,536 tokens', () => {
  const full = compareCases(FULL_PROFILE);
  for (const op of ['minhash', 'embed', 'attention']) {
    const mine = full.filter((c) => c.spec.op === op);
    assert.ok(new Set(mine.map((c) => JSON.stringify(c.spec.params))).size >= 4, `${op}: several params`);
    const lengths = new Set(mine.flatMap((c) => c.seqs.map((s) => s.length)));
    for (const n of [0, 1, 4, 5, 65_536]) if (op === 'minhash' || n !== 4) assert.ok(lengths.has(n), `${op}: a sequence of ${n} tokens`);
    const sizes = new Set(mine.map((c) => c.seqs.length));
    assert.ok(sizes.has(1) && sizes.has(1024), `${op}: batches of 1 and 1,024`);
  }
  // Deterministic: the same seed gives the same cases, so a mismatch can be rebuilt.
  assert.deepEqual(compareCases(QUICK_PROFILE)[3]!.seqs, quick[3]!.seqs);
});

test('the addon\'s CPU kernels agree with the TypeScript kernels on the quick profile', async () => {
  const report = await compareBackends(quick, cpu, typescriptRunner());
  assert.deepEqual(describeProblems(report), []);
  assert.equal(report.ok, true);
  assert.equal(report.cases, quick.length);
  assert.deepEqual(Object.keys(report.ops).sort(), ['attention', 'embed', 'minhash']);
  assert.ok(report.jobs > 200);
});

test('a wrong value in one job is reported as that job, with its inputs', async () => {
  const target = quick.find((c) => c.spec.op === 'minhash' && c.seqs.length === 7)!;
  const bad = planted(cpu, target, 3, (out, at) => (out[at + 5] = out[at + 5]! ^ 1));
  const report = await compareBackends(quick, bad, cpu);
  assert.equal(report.ok, false);
  assert.equal(report.mismatches.length, 1);
  const m = report.mismatches[0]!;
  assert.equal(m.case, target.id);
  assert.equal(m.job, 3);
  assert.equal(m.length, target.seqs[3]!.length);
  assert.deepEqual(m.firstTokens, Array.from(target.seqs[3]!.subarray(0, 12)));
  assert.equal(m.maxDifference, 1);
  assert.match(describeProblems(report)[0]!, new RegExp(`job 3 \\(${m.length} tokens`));
});

test('tolerances: embed within 1e-5 passes and beyond fails; NaN never passes', async () => {
  const embedCase = quick.filter((c) => c.spec.op === 'embed' && c.seqs.length === 7);
  const near = planted(cpu, embedCase[0]!, 2, (out, at) => (out[at] = out[at]! + 5e-6));
  assert.equal((await compareBackends(embedCase, near, cpu)).ok, true);
  const far = planted(cpu, embedCase[0]!, 2, (out, at) => (out[at] = out[at]! + 2e-5));
  assert.equal((await compareBackends(embedCase, far, cpu)).mismatches.length, 1);
  const nan = planted(cpu, embedCase[0]!, 0, (out, at, len) => out.fill(Number.NaN, at, at + len));
  assert.equal((await compareBackends(embedCase, nan, cpu)).mismatches.length, 1);
});

test('a side that throws or returns too few values is a failure, not a pass', async () => {
  const some = quick.slice(0, 3);
  const short: BatchRunner = { name: 'short', run: async () => new Float64Array(1) };
  const r1 = await compareBackends(some, short, cpu);
  assert.equal(r1.ok, false);
  assert.ok(r1.failures.some((f) => f.runner === 'short' && /returned 1 values/.test(f.error)));
  // On a machine without a usable GPU the addon reruns the batch on the CPU and says so: the
  // CUDA side must then fail, or the check would compare the CPU with itself.
  if (!addon.cudaDevice().usable) {
    const r2 = await compareBackends(some, cudaRunner(addon), cpu);
    assert.equal(r2.ok, false);
    assert.equal(r2.failures.length, some.length);
    assert.match(r2.failures[0]!.error, /the CUDA path did not run|not built/);
  }
});
