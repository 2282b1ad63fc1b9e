import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolveOp, ParamError, type OpName, type OpSpec } from '@nightshift/proto';
import { seededRandom } from '@nightshift/proto';
import { loadNative, nativeParams, checkNativeBatch, NativeBackend, packBatch } from '../src/native/index.js';
import { agrees, maxDifference, runOp, minhash } from '../src/kernels/index.js';

// The addon must have been built: CI installs with NIGHTSHIFT_NATIVE=required.
const loaded = loadNative();
assert.ok(loaded.addon, `the native addon did not load: ${loaded.reason}`);
const addon = loaded.addon;
const info = addon.init({ threads: 2 });
const isas = addon.buildInfo().cpuIsas;

const rng = seededRandom;

/** Runs seqs as one native batch on `isa` and checks every job against the reference. */
async function checkBatch(spec: OpSpec, seqs: Uint32Array[], isa: string, label: string): Promise<void> {
  const { tokens, offsets } = packBatch(seqs);
  const r = await addon.runBatch(spec.op, nativeParams(spec), tokens, offsets, { isa });
  assert.equal(r.backend, `cpu-${isa}`);
  const len = spec.op === 'minhash' ? spec.params.numPerm : spec.params.dim;
  assert.equal(r.out.length, seqs.length * len);
  assert.equal(r.jobSeconds.length, seqs.length);
  seqs.forEach((s, i) => {
    const got = r.out.subarray(i * len, (i + 1) * len);
    const want = runOp(spec, s);
    assert.ok(agrees(spec.op, got, want), `${label} (${isa}, ${spec.op} ${JSON.stringify(spec.params)}, job ${i} of ${s.length} tokens): off by ${maxDifference(got, want)}`);
  });
}

const spec = (op: OpName, params: Record<string, string> = {}) => resolveOp(op, { [op]: params } as never);
const randomSeq = (rand: () => number, n: number, vocab = 200_000) => Uint32Array.from({ length: n }, () => (rand() < 0.02 ? 0xffffffff : Math.floor(rand() * vocab)));

test('the addon reports its backend and why, and every ISA this CPU runs is compiled in', () => {
  assert.match(info.name, /^(cuda|cpu-(avx512|avx2|portable))$/);
  assert.match(info.reason, /^cuda: /);
  assert.equal(info.threads, 2);
  assert.ok(isas.includes('portable'));
  if (process.arch === 'x64') assert.equal(addon.buildInfo().compiledIsas, 'avx512,avx2,portable');
  const forced = addon.init({ threads: 2, forceCpu: true });
  assert.match(forced.name, /^cpu-/);
  assert.match(forced.reason, /NIGHTSHIFT_FORCE_CPU/);
  addon.init({ threads: 2 });
});

test('with nvcc present the build compiles the CUDA kernels (sm_80, sm_90); without it, it says so', () => {
  const nvcc = !process.env.NIGHTSHIFT_NO_CUDA && spawnSync('nvcc', ['--version']).status === 0;
  const build = addon.buildInfo();
  if (nvcc) {
    assert.equal(build.cuda, true, 'nvcc is on PATH, so the addon must carry the CUDA kernels');
    assert.deepEqual(build.cudaArchs, [80, 90]);
    assert.equal(info.cuda.built, true);
    // No GPU on this machine: the reason must say why CUDA is not used, and the CPU path runs.
    if (!info.cuda.usable) assert.match(info.reason, /^cuda: .+ → cpu-/);
  } else {
    assert.equal(build.cuda, false);
    assert.match(info.reason, /^cuda: not built/);
  }
});

test('a batch whose CUDA run fails is run again on the CPU, with the reason, and its results still agree', async (t) => {
  const build = addon.buildInfo();
  const { tokens, offsets } = packBatch([Uint32Array.of(1, 2, 3, 4, 5, 6, 7), new Uint32Array(0)]);
  if (!build.cuda) {
    assert.throws(() => addon.runBatch('minhash', { numPerm: 8, shingle: 3, seed: 1n }, tokens, offsets, { device: 'cuda' }), /built without CUDA/);
    return;
  }
  if (info.cuda.usable) return t.diagnostic('a GPU is present: the CUDA path ran for real in the other tests');
  const r = await addon.runBatch('minhash', { numPerm: 8, shingle: 3, seed: 1n }, tokens, offsets, { device: 'cuda' });
  assert.match(r.backend, /^cpu-\w+ \(cuda failed: cuda: \w+\(\S*\) failed at src\/cuda\/cuda_backend\.cc:\d+ \(cuda\w+: /);
  assert.deepEqual(Array.from(r.out.subarray(0, 8)), Array.from(minhash(Uint32Array.of(1, 2, 3, 4, 5, 6, 7), { numPerm: 8, shingle: 3, seed: 1n })));
});

for (const isa of isas) {
  test(`${isa}: edge cases agree with the reference`, async () => {
    const edge = [new Uint32Array(0), Uint32Array.of(0), Uint32Array.of(0xffffffff), Uint32Array.of(1, 2, 3, 4), Uint32Array.of(1, 2, 3, 4, 5), Uint32Array.of(1, 2, 3, 4, 5, 6), new Uint32Array(17).fill(0xffffffff)];
    for (const s of [
      spec('minhash'),
      spec('minhash', { numPerm: '1' }),
      spec('minhash', { numPerm: '1024', shingle: '1' }),
      spec('minhash', { numPerm: '7', shingle: '9', seed: '0' }),
      spec('minhash', { seed: '18446744073709551615' }),
      spec('embed'),
      spec('embed', { dim: '8', seed: '0' }),
      spec('embed', { dim: '13', seed: '18446744073709551615' }),
      spec('embed', { dim: '4096' }),
      spec('attention'),
      spec('attention', { dim: '8', seed: '0' }),
      spec('attention', { dim: '13', seed: '18446744073709551615' }),
      spec('attention', { dim: '256' }),
    ]) {
      await checkBatch(s, edge, isa, 'edge cases');
    }
    // An empty batch is answered with an empty result.
    const r = await addon.runBatch('embed', nativeParams(spec('embed')), new Uint32Array(0), Uint32Array.of(0), { isa });
    assert.equal(r.out.length, 0);
  });

  test(`${isa}: minhash stays exact where its fast route must fall back (about one case in 2^30)`, async () => {
    // Single-token sequences whose one shingle hash h makes (a_j·h + b_j) land just where the
    // fast route's quotient is one short, for seed 1 (perms 22, 38 and 58): found by scanning every
    // token id with the exact 128-bit formula of hashing.h.
    await checkBatch(spec('minhash'), [Uint32Array.of(79439137), Uint32Array.of(105840502), Uint32Array.of(114387486), Uint32Array.of(7)], isa, 'quotient edge');
  });

  test(`${isa}: randomized ragged batches agree with the reference`, async () => {
    const rand = rng(isa.length * 1000 + 17);
    for (let round = 0; round < 6; round++) {
      const jobs = 1 + Math.floor(rand() * 12);
      const seqs = Array.from({ length: jobs }, () => randomSeq(rand, Math.floor(Math.exp(rand() * Math.log(3000))), rand() < 0.5 ? 50 : 200_000));
      const seed = String(Math.floor(rand() * 2 ** 52));
      await checkBatch(spec('minhash', { numPerm: String(1 + Math.floor(rand() * 256)), shingle: String(1 + Math.floor(rand() * 8)), seed }), seqs, isa, `round ${round}`);
      await checkBatch(spec('embed', { dim: String(8 + Math.floor(rand() * 300)), seed }), seqs, isa, `round ${round}`);
      await checkBatch(spec('attention', { dim: String([8, 16, 32, 64, 13, 100][round]!), seed }), seqs.map((s) => s.subarray(0, 1200)), isa, `round ${round}`);
    }
  });
}

test('long sequences split across threads agree with the reference: 1,000,000 tokens for minhash and embed, 6,000 for attention', async () => {
  const rand = rng(3);
  const long = randomSeq(rand, 1_000_000);
  await checkBatch(spec('minhash'), [long, Uint32Array.of(5)], isas[0]!, '1M tokens');
  await checkBatch(spec('embed'), [long], isas[0]!, '1M tokens');
  await checkBatch(spec('attention'), [randomSeq(rand, 6_000)], isas[0]!, '6,000 tokens');
});

test('bad parameters throw an error naming the parameter before native code runs, and nothing aborts', async () => {
  const ok = packBatch([Uint32Array.of(1, 2, 3)]);
  const cases: Array<[() => unknown, RegExp]> = [
    [() => nativeParams({ op: 'minhash', params: { numPerm: 0, shingle: 5, seed: '1' } }), /^params\.numPerm: must be between 1 and 1024/],
    [() => nativeParams({ op: 'minhash', params: { numPerm: 1025, shingle: 5, seed: '1' } }), /^params\.numPerm:/],
    [() => nativeParams({ op: 'embed', params: { dim: 7, seed: '1' } }), /^params\.dim: must be between 8 and 4096/],
    [() => nativeParams({ op: 'embed', params: { dim: 64, seed: '18446744073709551616' } }), /^params\.seed:/],
    [() => checkNativeBatch(spec('embed'), ok.tokens, Uint32Array.of(0, 4)), /^offsets: the last entry must equal tokens\.length/],
    [() => checkNativeBatch(spec('embed'), ok.tokens, Uint32Array.of(1, 3)), /^offsets: must be a Uint32Array starting with 0/],
    [() => checkNativeBatch(spec('attention'), new Uint32Array(300_000), Uint32Array.of(0, 300_000)), /^tokens: an attention sequence of 300000 tokens/],
  ];
  for (const [fn, message] of cases) assert.throws(fn, (e: unknown) => e instanceof ParamError && message.test((e as Error).message), String(message));
  // The addon checks again on its own: a JS error, never an abort.
  assert.throws(() => addon.runBatch('sort' as OpName, { seed: 1n }, ok.tokens, ok.offsets), /op: unknown op "sort"/);
  assert.throws(() => addon.runBatch('embed', { dim: 4097, seed: 1n }, ok.tokens, ok.offsets), /params\.dim/);
  assert.throws(() => addon.runBatch('embed', { dim: 8, seed: -1n }, ok.tokens, ok.offsets), /params\.seed/);
  assert.throws(() => addon.runBatch('embed', { dim: 8, seed: 1n }, Int32Array.from([1]) as unknown as Uint32Array, Uint32Array.of(0, 1)), /tokens: must be a Uint32Array/);
  assert.throws(() => addon.runBatch('embed', { dim: 8, seed: 1n }, ok.tokens, Uint32Array.of(0, 2, 1, 3)), /offsets: must not decrease/);
  assert.throws(() => addon.runBatch('attention', { dim: 64, seed: 1n }, new Uint32Array(1_000_000), Uint32Array.of(0, 1_000_000)), /above the addon's limit/);
  // And the backend the worker uses refuses the same, as a ParamError the service turns into INVALID_ARGUMENT.
  const backend = new NativeBackend(addon, info);
  await assert.rejects(backend.run({ spec: spec('attention'), tokens: new Uint32Array(1_000_000), offsets: Uint32Array.of(0, 1_000_000) }), ParamError);
});

test('a batch runs off the event loop: timers keep firing while it computes', async () => {
  const rand = rng(11);
  const { tokens, offsets } = packBatch(Array.from({ length: 8 }, () => randomSeq(rand, 4000)));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  const t0 = Date.now();
  await addon.runBatch('attention', { dim: 64, seed: 1n }, tokens, offsets);
  const ms = Date.now() - t0;
  clearInterval(timer);
  assert.ok(ms < 50 || ticks >= Math.floor(ms / 5) / 4, `${ticks} ticks in ${ms} ms`);
});

test("minhash's estimated Jaccard tracks the true Jaccard of shingle sets", async () => {
  const rand = rng(2024);
  const numPerm = 128;
  const shingle = 5;
  const errors: number[] = [];
  const seqs: Uint32Array[] = [];
  const truth: number[] = [];
  for (let pair = 0; pair < 200; pair++) {
    // A document and a near-duplicate with a fraction of its tokens replaced.
    const base = randomSeq(rand, 300 + Math.floor(rand() * 700), 50_000);
    const copy = base.slice();
    const edits = rand() * 0.1;
    for (let i = 0; i < copy.length; i++) if (rand() < edits) copy[i] = Math.floor(rand() * 50_000);
    seqs.push(base, copy);
    const set = (s: Uint32Array) => new Set(Array.from({ length: s.length - shingle + 1 }, (_, i) => s.subarray(i, i + shingle).join(',')));
    const a = set(base);
    const b = set(copy);
    let inter = 0;
    for (const x of a) if (b.has(x)) inter++;
    truth.push(inter / (a.size + b.size - inter));
  }
  const { tokens, offsets } = packBatch(seqs);
  const r = await addon.runBatch('minhash', { numPerm, shingle, seed: 1n }, tokens, offsets);
  for (let p = 0; p < truth.length; p++) {
    let same = 0;
    for (let j = 0; j < numPerm; j++) if (r.out[2 * p * numPerm + j] === r.out[(2 * p + 1) * numPerm + j]) same++;
    errors.push(same / numPerm - truth[p]!);
  }
  const mean = errors.reduce((s, e) => s + e, 0) / errors.length;
  const sd = Math.sqrt(errors.reduce((s, e) => s + (e - mean) ** 2, 0) / errors.length);
  assert.ok(Math.min(...truth) < 0.5 && Math.max(...truth) > 0.9, `pairs span Jaccard ${Math.min(...truth)} … ${Math.max(...truth)}`);
  assert.ok(Math.abs(mean) < 0.015, `mean error ${mean}`);
  // The estimator's spread is √(J(1−J)/k) ≤ 0.5/√k; allow up to 1/√k.
  assert.ok(sd <= 1 / Math.sqrt(numPerm), `spread ${sd} vs 1/√k = ${1 / Math.sqrt(numPerm)}`);
  assert.ok(sd > 0.1 / Math.sqrt(numPerm), `spread ${sd} is suspiciously small`);
  // And it is the same signature the reference computes.
  assert.deepEqual(Array.from(r.out.subarray(0, numPerm)), Array.from(minhash(seqs[0]!, { numPerm, shingle, seed: 1n })));
});

test('the CUDA launch plan (host code, run here without a GPU) lays out one allocation without overlaps', () => {
  const rand = rng(5);
  for (const s of [spec('minhash'), spec('minhash', { numPerm: '1024' }), spec('embed', { dim: '4096' }), spec('attention')]) {
    for (const seqs of [[], [new Uint32Array(0)], [randomSeq(rand, 10), randomSeq(rand, 5000), new Uint32Array(0)], [randomSeq(rand, 100_000)]]) {
      const { tokens, offsets } = packBatch(seqs);
      const p = addon.cudaPlan(s.op, nativeParams(s), tokens, offsets);
      const len = s.op === 'minhash' ? s.params.numPerm : s.params.dim;
      const regions = [
        ['tokens', p.tokensOffset, tokens.length * 4],
        ['offsets', p.offsetsOffset, offsets.length * 4],
        ['out', p.outOffset, seqs.length * len * 4],
      ] as const;
      for (const [name, off, size] of regions) {
        assert.equal(off % 256, 0, `${name} is 256-byte aligned`);
        assert.ok(off + size <= p.deviceBytes, `${name} fits in the allocation (${s.op}, ${seqs.length} jobs)`);
      }
      const sorted = [...regions].filter(([, , size]) => size > 0).sort((a, b) => a[1] - b[1]);
      for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i - 1]![1] + sorted[i - 1]![2] <= sorted[i]![1], `${sorted[i - 1]![0]} and ${sorted[i]![0]} do not overlap`);
      if (seqs.length > 0) assert.ok(p.gridX >= 1 && p.blockX >= 1 && p.blockX <= 1024, `launch ${p.gridX}×${p.blockX}`);
    }
  }
});

test('the tokens are read in place: an array nobody else holds stays alive through the call, and the result is right', async () => {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const s = spec('minhash');
  const seqs = Array.from({ length: 64 }, (_, i) => randomSeq(rng(i + 500), 4096));
  const want = seqs.map((q) => runOp(s, q));
  // Only the call holds the packed arrays; collect garbage while it runs.
  const pending = (() => {
    const { tokens, offsets } = packBatch(seqs);
    return addon.runBatch('minhash', nativeParams(s), tokens, offsets, { isa: isas[0] });
  })();
  for (let i = 0; i < 5; i++) {
    gc();
    new Uint32Array(1 << 20).fill(0xdeadbeef);
  }
  const r = await pending;
  seqs.forEach((_, i) => assert.ok(agrees('minhash', r.out.subarray(i * 128, (i + 1) * 128), want[i]!), `job ${i}`));
});
