// MinHash signatures over token shingles (DESIGN.md, "minhash").
//
// sig[j] = min over shingles of ((a_j·h + b_j) mod P) mod 2^32, P = 2^61 − 1.
// a_j·h is up to 93 bits, so it is computed exactly in doubles on 21-bit limbs
// (every partial product stays below 2^53) and folded with 2^61 ≡ 1 (mod P).

import { seededStream } from './u64.js';

export interface MinhashParams {
  numPerm: number;
  shingle: number;
  seed: bigint;
}

const P = (1n << 61n) - 1n;
const M21 = 0x1f_ffff; // limbs 0 and 1: 21 bits each
const M19 = 0x7_ffff; // limb 2: the top 19 bits of a 61-bit value
const TWO19 = 2 ** 19;
const TWO21 = 2 ** 21;
const INV19 = 2 ** -19;
const INV21 = 2 ** -21;
const TWO42_M1 = 2 ** 42 - 1;

/**
 * ((a·h + b) mod P) mod 2^32 for a = a0 + a1·2^21 + a2·2^42 (a < 2^61),
 * b likewise (b < P) and h = h0 + h1·2^21 (h < 2^32).
 */
function affineModP32(
  a0: number, a1: number, a2: number,
  b0: number, b1: number, b2: number,
  h0: number, h1: number,
): number {
  // Column sums by weight 2^0, 2^21, 2^42; a2·h1 has weight 2^63 ≡ 4. Each < 2^44.
  let c0 = a0 * h0 + 4 * (a2 * h1) + b0;
  let c1 = a0 * h1 + a1 * h0 + b1;
  let c2 = a1 * h1 + a2 * h0 + b2;
  // One carry pass; the carry out of the top (weight 2^61) wraps to weight 1.
  let q = Math.floor(c0 * INV21);
  c1 += q;
  c0 -= q * TWO21;
  q = Math.floor(c1 * INV21);
  c2 += q;
  c1 -= q * TWO21;
  q = Math.floor(c2 * INV19);
  c0 += q;
  c2 -= q * TWO19;
  // value = low + c2·2^42 with low < 2^42 + 2^24 and c2 < 2^19, so value < 2^61 + 2^24:
  // it is ≥ P only when c2 is all ones and low ≥ 2^42 − 1; then subtract P once.
  let low = c0 + c1 * TWO21;
  if (c2 === M19 && low >= TWO42_M1) low -= TWO42_M1;
  return low >>> 0;
}

/** Splits a 61-bit bigint into the 21/21/19-bit limbs used above. */
function limbs(x: bigint, out: Float64Array, at: number): void {
  out[at] = Number(x & BigInt(M21));
  out[at + 1] = Number((x >> 21n) & BigInt(M21));
  out[at + 2] = Number(x >> 42n);
}

/** ((a·h + b) mod P) mod 2^32 through the kernel's limb code; for tests. */
export function affineModP(a: bigint, b: bigint, h: number): number {
  const l = new Float64Array(6);
  limbs(a, l, 0);
  limbs(b, l, 3);
  return affineModP32(l[0]!, l[1]!, l[2]!, l[3]!, l[4]!, l[5]!, h & M21, h >>> 21);
}

const FNV_OFFSET_HI = 0xcbf29ce4;
const FNV_OFFSET_LO = 0x84222325;

/**
 * 64-bit FNV-1a over tokens[from … to−1] as little-endian 4-byte words, folded
 * to 32 bits as (H ^ (H >> 32)) mod 2^32. The prime is 2^40 + 0x1B3, so
 * H·prime = H·0x1B3 + (H << 40); lo·0x1B3 is formed from 16-bit halves to stay
 * in int32 arithmetic.
 */
function shingleHash(tokens: Uint32Array, from: number, to: number): number {
  let hi = FNV_OFFSET_HI | 0;
  let lo = FNV_OFFSET_LO | 0;
  for (let i = from; i < to; i++) {
    const tok = tokens[i]!;
    for (let s = 0; s < 32; s += 8) {
      lo ^= (tok >>> s) & 0xff;
      const l16 = (lo & 0xffff) * 0x1b3; // < 2^25
      const h16 = (lo >>> 16) * 0x1b3 + (l16 >>> 16); // < 2^26
      hi = (Math.imul(hi, 0x1b3) + (h16 >>> 16) + (lo << 8)) | 0;
      lo = (h16 << 16) | (l16 & 0xffff);
    }
  }
  return (hi ^ lo) >>> 0;
}

export function minhash(tokens: Uint32Array, p: MinhashParams): Uint32Array {
  const { numPerm, shingle } = p;
  const sig = new Uint32Array(numPerm).fill(0xffff_ffff);
  const n = tokens.length;
  if (n === 0) return sig;

  // Distinct shingle hashes only: min() ignores repeats, and text repeats.
  const count = n >= shingle ? n - shingle + 1 : 1;
  const width = n >= shingle ? shingle : n;
  const hashes = new Uint32Array(count);
  for (let i = 0; i < count; i++) hashes[i] = shingleHash(tokens, i, i + width);
  hashes.sort();
  let distinct = 0;
  const h0s = new Float64Array(count);
  const h1s = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const h = hashes[i]!;
    if (i > 0 && h === hashes[i - 1]) continue;
    h0s[distinct] = h & M21;
    h1s[distinct++] = h >>> 21;
  }

  // a_j, b_j from the seeded stream; BigInt is fine for this once-per-call setup.
  const stream = seededStream(p.seed, 2 * numPerm);
  const ab = new Float64Array(6 * numPerm);
  for (let j = 0; j < numPerm; j++) {
    const x = (BigInt(stream[4 * j]!) << 32n) | BigInt(stream[4 * j + 1]!);
    const y = (BigInt(stream[4 * j + 2]!) << 32n) | BigInt(stream[4 * j + 3]!);
    limbs(1n + (x % (P - 1n)), ab, 6 * j);
    limbs(y % P, ab, 6 * j + 3);
  }

  // Permutations outer: a_j, b_j stay in registers and the running min in a local.
  for (let j = 0, k = 0; j < numPerm; j++, k += 6) {
    const a0 = ab[k]!, a1 = ab[k + 1]!, a2 = ab[k + 2]!;
    const b0 = ab[k + 3]!, b1 = ab[k + 4]!, b2 = ab[k + 5]!;
    let min = 0xffff_ffff;
    for (let i = 0; i < distinct; i++) {
      const r = affineModP32(a0, a1, a2, b0, b1, b2, h0s[i]!, h1s[i]!);
      if (r < min) min = r;
    }
    sig[j] = min;
  }
  return sig;
}
