// Bag-of-tokens embedding (DESIGN.md, "embed"): the L2-normalised mean of the
// pseudo-random token vectors v(t)[d] = g(seed, t, d).

import { fromBigInt, gRow } from './u64.js';

export interface EmbedParams {
  dim: number;
  seed: bigint;
}

/**
 * The distinct tokens of a sequence, ascending, with their multiplicities.
 * Sorting a copy is cheaper than hashing and lets callers evaluate v(t) once
 * per distinct token instead of once per position.
 */
export function distinctTokens(tokens: Uint32Array): { values: Uint32Array; counts: Float64Array } {
  const sorted = Uint32Array.from(tokens).sort();
  let k = 0;
  const counts = new Float64Array(sorted.length);
  for (let i = 0; i < sorted.length; i++) {
    if (i > 0 && sorted[i] === sorted[k - 1]) {
      counts[k - 1]!++;
    } else {
      sorted[k] = sorted[i]!;
      counts[k++] = 1;
    }
  }
  return { values: sorted.subarray(0, k), counts: counts.subarray(0, k) };
}

export function embed(tokens: Uint32Array, p: EmbedParams): Float32Array {
  const { dim } = p;
  const out = new Float32Array(dim);
  if (tokens.length === 0) return out;
  const { hi: seedHi, lo: seedLo } = fromBigInt(p.seed);

  // Σ_t count(t)·v(t); the 1/n of the mean cancels in the normalisation.
  const { values, counts } = distinctTokens(tokens);
  const e = new Float64Array(dim);
  const v = new Float64Array(dim);
  for (let u = 0; u < values.length; u++) {
    gRow(seedHi, seedLo, values[u]!, dim, v, 0);
    const c = counts[u]!;
    for (let d = 0; d < dim; d++) e[d]! += c * v[d]!;
  }

  let sq = 0;
  for (let d = 0; d < dim; d++) sq += e[d]! * e[d]!;
  if (sq === 0) return out;
  const inv = 1 / Math.sqrt(sq);
  for (let d = 0; d < dim; d++) out[d] = e[d]! * inv;
  return out;
}
