// One causal self-attention head, mean-pooled (DESIGN.md, "attention").
//
// The result (1/n) Σ_i Σ_{j≤i} p_ij v_j is regrouped as (1/n) Σ_j w_j v_j with
// w_j = Σ_{i≥j} p_ij, so each query row only needs its scores, not a weighted
// sum of value vectors: half the O(n²·D) work, and O(n + n·D) memory.

import { distinctTokens } from './embed.js';
import { fromBigInt, gRow } from './u64.js';

export interface AttentionParams {
  dim: number;
  seed: bigint;
}

/** Index of each position's token in the ascending `values`. */
function positionsOf(tokens: Uint32Array, values: Uint32Array): Uint32Array {
  const idx = new Uint32Array(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    let lo = 0;
    let hi = values.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (values[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    idx[i] = lo;
  }
  return idx;
}

/** W_m[r][c] = g(seed, 2^32 − 1 − (m·D + r), c) · scale, row-major D×D. */
function weights(seedHi: number, seedLo: number, m: number, D: number, scale: number): Float64Array {
  const w = new Float64Array(D * D);
  for (let r = 0; r < D; r++) {
    const t = (0xffff_ffff - (m * D + r)) >>> 0;
    gRow(seedHi, seedLo, t, D, w, r * D);
    for (let c = 0; c < D; c++) w[r * D + c]! *= scale;
  }
  return w;
}

/** out[at…] = x · W for the row vector x = xs[xAt … xAt+D−1]. */
function project(xs: Float64Array, xAt: number, w: Float64Array, D: number, out: Float64Array, at: number): void {
  for (let c = 0; c < D; c++) out[at + c] = 0;
  for (let r = 0; r < D; r++) {
    const xr = xs[xAt + r]!;
    const row = r * D;
    for (let c = 0; c < D; c++) out[at + c]! += xr * w[row + c]!;
  }
}

/**
 * w[j] += softmax(scores[0 … len−1])[j], shifted by the exact row max so exp
 * never overflows. Overwrites scores.
 */
function softmaxRow(scores: Float64Array, len: number, w: Float64Array): void {
  let max = -Infinity;
  for (let j = 0; j < len; j++) if (scores[j]! > max) max = scores[j]!;
  let z = 0;
  for (let j = 0; j < len; j++) {
    const e = Math.exp(scores[j]! - max);
    scores[j] = e;
    z += e;
  }
  const invZ = 1 / z;
  for (let j = 0; j < len; j++) w[j]! += scores[j]! * invZ;
}

export function attention(tokens: Uint32Array, p: AttentionParams): Float32Array {
  const D = p.dim;
  const n = tokens.length;
  const result = new Float32Array(D);
  if (n === 0) return result;
  const { hi: seedHi, lo: seedLo } = fromBigInt(p.seed);
  const invSqrtD = 1 / Math.sqrt(D);

  // Project each distinct token once (x, q, k, v depend on the token only).
  // q carries the 1/√D score scale so the n² loop is a bare dot product.
  const { values } = distinctTokens(tokens);
  const U = values.length;
  const w1 = weights(seedHi, seedLo, 1, D, invSqrtD * invSqrtD);
  const w2 = weights(seedHi, seedLo, 2, D, invSqrtD);
  const w3 = weights(seedHi, seedLo, 3, D, invSqrtD);
  const x = new Float64Array(D);
  const qU = new Float64Array(U * D);
  const kU = new Float64Array(U * D);
  const vU = new Float64Array(U * D);
  for (let u = 0; u < U; u++) {
    gRow(seedHi, seedLo, values[u]!, D, x, 0);
    project(x, 0, w1, D, qU, u * D);
    project(x, 0, w2, D, kU, u * D);
    project(x, 0, w3, D, vU, u * D);
  }

  // Keys laid out by position so the n² loop streams through memory.
  const pos = positionsOf(tokens, values);
  const K = new Float64Array(n * D);
  for (let j = 0; j < n; j++) K.set(kU.subarray(pos[j]! * D, pos[j]! * D + D), j * D);

  // Query rows two at a time against keys two at a time (2×2 register block:
  // each loaded q and k element feeds two products). Row i's block may reach
  // key i + 1; softmaxRow only reads keys j ≤ i.
  const sa = new Float64Array(n + 1);
  const sb = new Float64Array(n + 1);
  const wPos = new Float64Array(n);
  for (let i = 0; i < n; i += 2) {
    const qa = pos[i]! * D;
    if (i + 1 < n) {
      const qb = pos[i + 1]! * D;
      for (let j = 0; j <= i; j += 2) {
        const ka = j * D;
        const kb = ka + D;
        let s00 = 0, s01 = 0, s10 = 0, s11 = 0;
        for (let d = 0; d < D; d++) {
          const x0 = qU[qa + d]!, x1 = qU[qb + d]!, y0 = K[ka + d]!, y1 = K[kb + d]!;
          s00 += x0 * y0;
          s01 += x0 * y1;
          s10 += x1 * y0;
          s11 += x1 * y1;
        }
        sa[j] = s00;
        sa[j + 1] = s01;
        sb[j] = s10;
        sb[j + 1] = s11;
      }
      softmaxRow(sa, i + 1, wPos);
      softmaxRow(sb, i + 2, wPos);
    } else {
      for (let j = 0, ka = 0; j <= i; j++, ka += D) {
        let s = 0;
        for (let d = 0; d < D; d++) s += qU[qa + d]! * K[ka + d]!;
        sa[j] = s;
      }
      softmaxRow(sa, i + 1, wPos);
    }
  }

  // (1/n) Σ_j w_j v_j, with the weights gathered per distinct token first.
  const wU = new Float64Array(U);
  for (let j = 0; j < n; j++) wU[pos[j]!]! += wPos[j]!;
  const acc = new Float64Array(D);
  for (let u = 0; u < U; u++) {
    const wu = wU[u]! / n;
    for (let d = 0; d < D; d++) acc[d]! += wu * vU[u * D + d]!;
  }
  for (let d = 0; d < D; d++) result[d] = acc[d]!;
  return result;
}
