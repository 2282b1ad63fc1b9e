// Unsigned 64-bit arithmetic (mod 2^64) on pairs of uint32 words.
//
// JavaScript numbers hold 53-bit integers exactly and BigInt is far too slow
// for the kernels' inner loops, so a 64-bit value is carried as two uint32
// words (hi, lo). Products use Math.imul for low halves and 16-bit splits for
// the high half of a 32x32 product, so nothing ever leaves the exact range.
// Results are written into a caller-owned U64 so hot loops never allocate.

/** A 64-bit value as two uint32 words: value = hi * 2^32 + lo. */
export interface U64 {
  hi: number;
  lo: number;
}

export function u64(hi = 0, lo = 0): U64 {
  return { hi: hi >>> 0, lo: lo >>> 0 };
}

const MASK64 = 0xffff_ffff_ffff_ffffn;

/** Splits a bigint (taken mod 2^64) into words; done once per call, never in a loop. */
export function fromBigInt(x: bigint): U64 {
  const v = x & MASK64;
  return { hi: Number(v >> 32n), lo: Number(v & 0xffff_ffffn) };
}

export function toBigInt(v: U64): bigint {
  return (BigInt(v.hi >>> 0) << 32n) | BigInt(v.lo >>> 0);
}

/** High 32 bits of the exact 64-bit product of two uint32 values. */
export function mulHi32(a: number, b: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const b0 = b & 0xffff;
  const b1 = b >>> 16;
  // Every partial product is below 2^32, and each sum below stays under 2^33,
  // so all of this is exact in doubles.
  const w1 = a1 * b0 + ((a0 * b0) >>> 16);
  const w2 = a0 * b1 + (w1 & 0xffff);
  return (a1 * b1 + (w1 >>> 16) + (w2 >>> 16)) >>> 0;
}

/** out = a * b mod 2^64. */
export function mul64(out: U64, aHi: number, aLo: number, bHi: number, bLo: number): U64 {
  // The aHi*bHi term is a multiple of 2^64 and vanishes.
  const hi = mulHi32(aLo, bLo) + Math.imul(aLo, bHi) + Math.imul(aHi, bLo);
  out.lo = Math.imul(aLo, bLo) >>> 0;
  out.hi = hi >>> 0;
  return out;
}

/** out = a + b mod 2^64. */
export function add64(out: U64, aHi: number, aLo: number, bHi: number, bLo: number): U64 {
  const lo = (aLo >>> 0) + (bLo >>> 0);
  const carry = lo > 0xffff_ffff ? 1 : 0;
  out.lo = lo >>> 0;
  out.hi = ((aHi >>> 0) + (bHi >>> 0) + carry) >>> 0;
  return out;
}

/** out = a ^ b. */
export function xor64(out: U64, aHi: number, aLo: number, bHi: number, bLo: number): U64 {
  out.hi = (aHi ^ bHi) >>> 0;
  out.lo = (aLo ^ bLo) >>> 0;
  return out;
}

/** out = a >> s (logical), 0 <= s < 64. */
export function shr64(out: U64, hi: number, lo: number, s: number): U64 {
  if (s === 0) {
    out.hi = hi >>> 0;
    out.lo = lo >>> 0;
  } else if (s < 32) {
    out.lo = ((lo >>> s) | (hi << (32 - s))) >>> 0;
    out.hi = hi >>> s;
  } else {
    out.lo = hi >>> (s - 32);
    out.hi = 0;
  }
  return out;
}

/** out = a << s mod 2^64, 0 <= s < 64. */
export function shl64(out: U64, hi: number, lo: number, s: number): U64 {
  if (s === 0) {
    out.hi = hi >>> 0;
    out.lo = lo >>> 0;
  } else if (s < 32) {
    out.hi = ((hi << s) | (lo >>> (32 - s))) >>> 0;
    out.lo = (lo << s) >>> 0;
  } else {
    out.hi = (lo << (s - 32)) >>> 0;
    out.lo = 0;
  }
  return out;
}

// splitmix64 finaliser constants and the golden-ratio increment γ.
const C1_HI = 0xbf58476d;
const C1_LO = 0x1ce4e5b9;
const C2_HI = 0x94d049bb;
const C2_LO = 0x133111eb;
const GAMMA_HI = 0x9e3779b9;
const GAMMA_LO = 0x7f4a7c15;

/**
 * out = fmix(z): z ^= z >> 30; z *= C1; z ^= z >> 27; z *= C2; z ^= z >> 31.
 * Written out on locals (the shifts are all below 32) because it is the inner
 * step of g(), which embed and attention call millions of times.
 */
export function fmix(out: U64, hi: number, lo: number): U64 {
  let zl = (lo ^ ((lo >>> 30) | (hi << 2))) >>> 0;
  let zh = (hi ^ (hi >>> 30)) >>> 0;
  let ph = mulHi32(zl, C1_LO) + Math.imul(zl, C1_HI) + Math.imul(zh, C1_LO);
  let pl = Math.imul(zl, C1_LO) >>> 0;
  ph >>>= 0;
  zl = (pl ^ ((pl >>> 27) | (ph << 5))) >>> 0;
  zh = (ph ^ (ph >>> 27)) >>> 0;
  ph = mulHi32(zl, C2_LO) + Math.imul(zl, C2_HI) + Math.imul(zh, C2_LO);
  pl = Math.imul(zl, C2_LO) >>> 0;
  ph >>>= 0;
  out.lo = (pl ^ ((pl >>> 31) | (ph << 1))) >>> 0;
  out.hi = (ph ^ (ph >>> 31)) >>> 0;
  return out;
}

/**
 * The first `count` values of the seeded stream out_i = fmix(seed + (i+1)·γ),
 * as words [hi_0, lo_0, hi_1, lo_1, ...].
 */
export function seededStream(seed: bigint, count: number): Uint32Array {
  const words = new Uint32Array(2 * count);
  const state = fromBigInt(seed);
  const z = u64();
  for (let i = 0; i < count; i++) {
    add64(state, state.hi, state.lo, GAMMA_HI, GAMMA_LO);
    fmix(z, state.hi, state.lo);
    words[2 * i] = z.hi;
    words[2 * i + 1] = z.lo;
  }
  return words;
}

const G_SCRATCH = u64();
const TWO_POW_M23 = 2 ** -23;

/**
 * g(seed, t, d) = (fmix(seed ^ (t·2^32 + d)) >> 40) / 2^24 · 2 − 1, in [−1, 1).
 * Takes the seed pre-split; t and d are uint32. Only the top 24 bits of the
 * hash survive, and k / 2^24 · 2 − 1 = k · 2^−23 − 1 exactly.
 */
export function g(seedHi: number, seedLo: number, t: number, d: number): number {
  fmix(G_SCRATCH, seedHi ^ t, seedLo ^ d);
  return (G_SCRATCH.hi >>> 8) * TWO_POW_M23 - 1;
}

/**
 * out[at + d] = g(seed, t, d) for d = 0 … count − 1: a whole row at once.
 * This is fmix specialised by hand for the hot loops of embed and attention:
 * the high input word (seed ^ t) is fixed along the row, so its share of the
 * first product is hoisted, and the final low word is never needed.
 */
export function gRow(
  seedHi: number, seedLo: number, t: number, count: number, out: Float64Array, at: number,
): void {
  const hi = (seedHi ^ t) >>> 0;
  const hiShl2 = hi << 2; // the bits z >> 30 moves from the high into the low word
  const zh = (hi ^ (hi >>> 30)) >>> 0;
  const zhC1 = Math.imul(zh, C1_LO);
  for (let d = 0; d < count; d++) {
    const lo = (seedLo ^ d) >>> 0;
    const zl = (lo ^ ((lo >>> 30) | hiShl2)) >>> 0;
    const pl = Math.imul(zl, C1_LO) >>> 0;
    const ph = (mulHi32(zl, C1_LO) + Math.imul(zl, C1_HI) + zhC1) >>> 0;
    const yl = (pl ^ ((pl >>> 27) | (ph << 5))) >>> 0;
    const yh = (ph ^ (ph >>> 27)) >>> 0;
    const qh = (mulHi32(yl, C2_LO) + Math.imul(yl, C2_HI) + Math.imul(yh, C2_LO)) >>> 0;
    out[at + d] = ((qh ^ (qh >>> 31)) >>> 8) * TWO_POW_M23 - 1;
  }
}
