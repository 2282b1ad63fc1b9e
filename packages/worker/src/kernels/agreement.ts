import type { OpName } from '@nightshift/proto';

/** How far a kernel backend may be from the reference, per DESIGN.md: minhash exact, embed 1e-5, attention 1e-4. */
export const TOLERANCE: Record<OpName, number> = { minhash: 0, embed: 1e-5, attention: 1e-4 };

/** The largest absolute difference between two results (Infinity when their lengths differ). */
export function maxDifference(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return Infinity;
  let max = 0;
  for (let i = 0; i < got.length; i++) max = Math.max(max, Math.abs(got[i]! - want[i]!));
  return max;
}

export function agrees(op: OpName, got: ArrayLike<number>, want: ArrayLike<number>): boolean {
  return maxDifference(got, want) <= TOLERANCE[op];
}
