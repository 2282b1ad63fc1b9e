// The fast kernels against a literal BigInt/float64 transcription of the spec
// (spec-reference.ts). Inputs come from a seeded PRNG, so reruns are identical.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { DEFAULT_PARAMS, attention, embed, minhash } from '../src/kernels/index.js';
import { affineModP } from '../src/kernels/minhash.js';
import {
  add64, fmix, fromBigInt, g, gRow, mul64, mulHi32, seededStream, shl64, shr64, toBigInt, u64, xor64,
} from '../src/kernels/u64.js';
import * as ref from './spec-reference.js';
import { seededRandom } from '@nightshift/proto';

const M64 = (1n << 64n) - 1n;
const P = (1n << 61n) - 1n;
const MAX_SEED = M64;

/** Uniform 32-bit integers from the shared seeded PRNG (which returns x / 2^32). */
const prng = (seed: number): (() => number) => {
  const next = seededRandom(seed);
  return () => Math.floor(next() * 4294967296);
};

function rand64(next: () => number): bigint {
  return (BigInt(next()) << 32n) | BigInt(next());
}

const EDGE_U32 = [0, 1, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const EDGE_U64 = [0n, 1n, 0xffffffffn, 1n << 32n, 1n << 63n, M64 - 1n, M64];
const EDGE_SEEDS = [0n, 1n, MAX_SEED];

/** Tokens: full-range ids, a small vocabulary (repeats) or edge ids, by `kind`. */
function tokens(next: () => number, n: number, kind: number): Uint32Array {
  const t = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    if (kind === 0) t[i] = next();
    else if (kind === 1) t[i] = next() % 7;
    else t[i] = EDGE_U32[next() % EDGE_U32.length]!;
  }
  return t;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function assertClose(fast: Float32Array, spec: number[], tol: number, what: string): void {
  const diff = maxAbsDiff(fast, spec);
  assert.ok(diff <= tol, `${what}: max |diff| ${diff} > ${tol}`);
}

// ---------------------------------------------------------------- u64

test('fmix and the seeded stream reproduce the splitmix64 vector for seed 0', () => {
  const expected = [0xe220a8397b1dcdafn, 0x6e789e6aa1b965f4n, 0x06c45d188009454fn];
  const words = seededStream(0n, 3);
  for (let i = 0; i < 3; i++) {
    assert.equal((BigInt(words[2 * i]!) << 32n) | BigInt(words[2 * i + 1]!), expected[i]);
    assert.equal(ref.streamAt(0n, i), expected[i]);
  }
  // out_0 = fmix(γ)
  assert.equal(toBigInt(fmix(u64(), 0x9e3779b9, 0x7f4a7c15)), expected[0]);
  assert.equal(ref.fmix(0x9e3779b97f4a7c15n), expected[0]);
});

test('u64 primitives match BigInt', () => {
  const next = prng(1);
  const values = [...EDGE_U64];
  for (let i = 0; i < 3000; i++) values.push(rand64(next));
  const out = u64();
  for (let i = 0; i < values.length; i++) {
    const a = values[i]!;
    const b = values[(i * 7 + 3) % values.length]!;
    const A = fromBigInt(a);
    const B = fromBigInt(b);
    assert.equal(toBigInt(A), a);
    assert.equal(toBigInt(mul64(out, A.hi, A.lo, B.hi, B.lo)), (a * b) & M64);
    assert.equal(toBigInt(add64(out, A.hi, A.lo, B.hi, B.lo)), (a + b) & M64);
    assert.equal(toBigInt(xor64(out, A.hi, A.lo, B.hi, B.lo)), a ^ b);
    const s = i % 64;
    assert.equal(toBigInt(shr64(out, A.hi, A.lo, s)), a >> BigInt(s));
    assert.equal(toBigInt(shl64(out, A.hi, A.lo, s)), (a << BigInt(s)) & M64);
    assert.equal(toBigInt(fmix(out, A.hi, A.lo)), ref.fmix(a));
    assert.equal(BigInt(mulHi32(A.hi, B.lo)), (BigInt(A.hi) * BigInt(B.lo)) >> 32n);
  }
  for (const a of EDGE_U64) {
    for (const b of EDGE_U64) {
      const A = fromBigInt(a);
      const B = fromBigInt(b);
      assert.equal(toBigInt(add64(out, A.hi, A.lo, B.hi, B.lo)), (a + b) & M64);
      assert.equal(toBigInt(mul64(out, A.hi, A.lo, B.hi, B.lo)), (a * b) & M64);
    }
  }
  assert.equal(toBigInt(fromBigInt(1n << 64n)), 0n, 'seeds are taken mod 2^64');
});

test('seeded stream matches the spec for edge and random seeds', () => {
  const next = prng(2);
  const seeds = [...EDGE_SEEDS, ...Array.from({ length: 20 }, () => rand64(next))];
  for (const seed of seeds) {
    const words = seededStream(seed, 40);
    for (let i = 0; i < 40; i++) {
      assert.equal((BigInt(words[2 * i]!) << 32n) | BigInt(words[2 * i + 1]!), ref.streamAt(seed, i));
    }
  }
});

test('g and gRow are exactly the spec g', () => {
  const next = prng(3);
  const seeds = [...EDGE_SEEDS, ...Array.from({ length: 10 }, () => rand64(next))];
  const row = new Float64Array(70);
  for (const seed of seeds) {
    const { hi, lo } = fromBigInt(seed);
    const ts = [...EDGE_U32, next(), next(), next()];
    for (const t of ts) {
      for (const d of [...EDGE_U32, next() % 4096]) assert.equal(g(hi, lo, t, d), ref.g(seed, t, d));
      gRow(hi, lo, t, 64, row, 6);
      for (let d = 0; d < 64; d++) assert.equal(row[6 + d], ref.g(seed, t, d));
    }
  }
  // the range is [−1, 1), hitting both ends' neighbourhoods over many draws
  let lo = 1;
  let hi = -1;
  for (let i = 0; i < 20000; i++) {
    const x = g(0, 1, next(), next());
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  assert.ok(lo >= -1 && lo < -0.999 && hi < 1 && hi > 0.999);
});

// ---------------------------------------------------------------- minhash

test('minhash limb arithmetic: ((a·h + b) mod P) mod 2^32 is exact', () => {
  const next = prng(4);
  const exact = (a: bigint, b: bigint, h: number): number => Number(((a * BigInt(h) + b) % P) % (1n << 32n));
  const as = [1n, 2n, (1n << 21n) - 1n, 1n << 42n, P - 2n, P - 1n];
  const bs = [0n, 1n, (1n << 32n) - 1n, 1n << 60n, P - 2n, P - 1n];
  const hs = [0, 1, 0x1fffff, 0x200000, 0xfffffffe, 0xffffffff];
  for (const a of as) for (const b of bs) for (const h of hs) assert.equal(affineModP(a, b, h), exact(a, b, h));
  for (let i = 0; i < 20000; i++) {
    const a = 1n + (rand64(next) % (P - 1n));
    const h = next();
    // every 4th case: choose b so that a·h + b lands on 0, P − 1 or just past P
    let b = rand64(next) % P;
    if (i % 4 === 0) {
      const target = [0n, P - 1n, 1n, (1n << 32n) - 1n][(i >> 2) % 4]!;
      b = (((target - a * BigInt(h)) % P) + P) % P;
    }
    assert.equal(affineModP(a, b, h), exact(a, b, h), `a=${a} b=${b} h=${h}`);
  }
});

function checkMinhash(t: Uint32Array, p: { numPerm: number; shingle: number; seed: bigint }, only?: number[]): void {
  const fast = minhash(t, p);
  assert.ok(fast instanceof Uint32Array);
  assert.equal(fast.length, p.numPerm);
  const spec = ref.minhash(Array.from(t), p, only);
  for (let j = 0; j < p.numPerm; j++) {
    if (spec[j] === undefined) continue;
    assert.equal(fast[j], spec[j], `perm ${j} n=${t.length} shingle=${p.shingle} seed=${p.seed}`);
  }
}

test('minhash: empty input gives 0xFFFFFFFF everywhere', () => {
  for (const numPerm of [1, 128, 1024]) {
    const sig = minhash(new Uint32Array(0), { numPerm, shingle: 5, seed: 1n });
    assert.equal(sig.length, numPerm);
    assert.ok(sig.every((x) => x === 0xffffffff));
  }
});

test('minhash: short inputs, edge token ids, edge seeds, numPerm 1 and 1024', () => {
  const next = prng(5);
  for (const seed of EDGE_SEEDS) {
    for (const shingle of [1, 2, 5, 8]) {
      for (const n of [1, shingle - 1, shingle, shingle + 1, 2 * shingle + 3]) {
        if (n < 1) continue;
        for (const kind of [0, 2]) checkMinhash(tokens(next, n, kind), { numPerm: 16, shingle, seed });
      }
    }
  }
  const edges = Uint32Array.from([0, 0xffffffff, 0, 0xffffffff, 0xffffffff, 0, 0]);
  checkMinhash(edges, { numPerm: 1024, shingle: 5, seed: 1n });
  checkMinhash(edges.subarray(0, 3), { numPerm: 1024, shingle: 5, seed: MAX_SEED });
  checkMinhash(edges, { numPerm: 1, shingle: 5, seed: 0n });
  checkMinhash(Uint32Array.from([0xffffffff]), { numPerm: 1, shingle: 5, seed: 1n });
});

test('minhash: random inputs match the spec bit for bit', () => {
  const next = prng(6);
  for (let c = 0; c < 60; c++) {
    const n = 1 + (next() % 60);
    const shingle = 1 + (next() % 8);
    const numPerm = [1, 3, 64, 128][c % 4]!;
    const seed = c < 3 ? EDGE_SEEDS[c]! : rand64(next);
    checkMinhash(tokens(next, n, c % 3), { numPerm, shingle, seed });
  }
  checkMinhash(tokens(next, 40, 1), { numPerm: 1024, shingle: 3, seed: rand64(next) });
});

test('minhash: 20,000 tokens, default params', () => {
  const next = prng(7);
  const t = tokens(next, 20000, 0);
  for (let i = 0; i < 2000; i++) t[next() % t.length] = next() % 3; // some repeated shingles
  checkMinhash(t, DEFAULT_PARAMS.minhash);
  checkMinhash(t, { numPerm: 1024, shingle: 5, seed: MAX_SEED }, [0, 511, 1023]);
});

// ---------------------------------------------------------------- embed

test('embed: empty input and a zero mean give all zeros', () => {
  const z = embed(new Uint32Array(0), { dim: 256, seed: 1n });
  assert.ok(z instanceof Float32Array);
  assert.equal(z.length, 256);
  assert.ok(z.every((x) => x === 0));

  // Two tokens whose 1-dim vectors are exact opposites (g values k·2^−23 − 1
  // with k1 + k2 = 2^24), found by searching: their mean is exactly 0.
  const next = prng(8);
  const seen = new Map<number, number>();
  let pair: [number, number] | undefined;
  while (!pair) {
    const t = next();
    const k = (g(0, 1, t, 0) + 1) * 2 ** 23;
    const partner = seen.get(2 ** 24 - k);
    if (partner !== undefined && partner !== t) pair = [partner, t];
    seen.set(k, t);
  }
  assert.equal(ref.g(1n, pair[0], 0) + ref.g(1n, pair[1], 0), 0);
  const e = embed(Uint32Array.from(pair), { dim: 1, seed: 1n });
  assert.deepEqual(Array.from(e), [0]);
  assert.deepEqual(ref.embed(pair, { dim: 1, seed: 1n }), [0]);
});

test('embed: matches the float64 spec within 1e-5', () => {
  const next = prng(9);
  for (let c = 0; c < 40; c++) {
    const n = 1 + (next() % 50);
    const dim = [8, 16, 64, 256][c % 4]!;
    const seed = c < 3 ? EDGE_SEEDS[c]! : rand64(next);
    const t = tokens(next, n, c % 3);
    const fast = embed(t, { dim, seed });
    assert.equal(fast.length, dim);
    assertClose(fast, ref.embed(Array.from(t), { dim, seed }), 1e-5, `embed n=${n} dim=${dim}`);
  }
  for (const seed of EDGE_SEEDS) {
    const t = tokens(next, 5, 2);
    assertClose(embed(t, { dim: 4096, seed }), ref.embed(Array.from(t), { dim: 4096, seed }), 1e-5, 'embed dim 4096');
  }
  const one = Uint32Array.from([0xffffffff]);
  assertClose(embed(one, { dim: 8, seed: 0n }), ref.embed([0xffffffff], { dim: 8, seed: 0n }), 1e-5, 'embed n=1');
});

test('embed: 20,000 tokens', () => {
  const next = prng(10);
  const wide = tokens(next, 20000, 0);
  const d = DEFAULT_PARAMS.embed;
  assertClose(embed(wide, d), ref.embed(Array.from(wide), d), 1e-5, 'embed long');
  const narrow = Uint32Array.from(wide, (x) => x % 300);
  const p = { dim: 32, seed: MAX_SEED };
  assertClose(embed(narrow, p), ref.embed(Array.from(narrow), p), 1e-5, 'embed long, repeats');
});

// ---------------------------------------------------------------- attention

test('attention: empty input gives zeros; one token gives its value vector', () => {
  const z = attention(new Uint32Array(0), { dim: 64, seed: 1n });
  assert.ok(z instanceof Float32Array);
  assert.equal(z.length, 64);
  assert.ok(z.every((x) => x === 0));
  for (const seed of EDGE_SEEDS) {
    const p = { dim: 16, seed };
    assertClose(attention(Uint32Array.from([7]), p), ref.attention([7], p), 1e-4, 'attention n=1');
  }
});

test('attention: matches the float64 spec within 1e-4', () => {
  const next = prng(11);
  for (let c = 0; c < 40; c++) {
    const n = 1 + (next() % 40);
    const dim = [8, 16, 64, 13][c % 4]!;
    const seed = c < 3 ? EDGE_SEEDS[c]! : rand64(next);
    const t = tokens(next, n, c % 3);
    const fast = attention(t, { dim, seed });
    assert.equal(fast.length, dim);
    assertClose(fast, ref.attention(Array.from(t), { dim, seed }), 1e-4, `attention n=${n} dim=${dim}`);
  }
  for (const n of [2, 3, 6]) {
    const t = tokens(next, n, 2);
    const p = { dim: 256, seed: rand64(next) };
    assertClose(attention(t, p), ref.attention(Array.from(t), p), 1e-4, `attention dim 256 n=${n}`);
  }
});

test('attention: longer sequences (odd and even n)', () => {
  const next = prng(12);
  for (const [n, kind, dim] of [[401, 0, 16], [600, 1, 16], [1001, 0, 64]] as const) {
    const t = tokens(next, n, kind);
    const p = { dim, seed: rand64(next) };
    assertClose(attention(t, p), ref.attention(Array.from(t), p), 1e-4, `attention n=${n}`);
  }
});

test('DEFAULT_PARAMS are the spec defaults', () => {
  assert.deepEqual(DEFAULT_PARAMS, {
    minhash: { numPerm: 128, shingle: 5, seed: 1n },
    embed: { dim: 256, seed: 1n },
    attention: { dim: 64, seed: 1n },
  });
  assert.ok(Object.isFrozen(DEFAULT_PARAMS) && Object.isFrozen(DEFAULT_PARAMS.minhash));
});
