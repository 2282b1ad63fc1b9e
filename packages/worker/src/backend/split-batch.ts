import type { OpName } from '@nightshift/proto';

/** Relative work of one job: attention is quadratic in length, the others linear. */
export function jobCost(op: OpName, length: number): number {
  return op === 'attention' ? length * length + length : length + 1;
}

/**
 * Assigns jobs to at most `parts` groups of near-equal cost (longest job
 * first onto the least-loaded group), so that threads finish together.
 */
export function splitByCost(op: OpName, offsets: Uint32Array, parts: number): number[][] {
  const n = offsets.length - 1;
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => offsets[b + 1]! - offsets[b]! - (offsets[a + 1]! - offsets[a]!),
  );
  const groups: number[][] = Array.from({ length: Math.max(1, Math.min(parts, n)) }, () => []);
  const load = new Array<number>(groups.length).fill(0);
  for (const job of order) {
    let best = 0;
    for (let g = 1; g < groups.length; g++) if (load[g]! < load[best]!) best = g;
    groups[best]!.push(job);
    load[best]! += jobCost(op, offsets[job + 1]! - offsets[job]!);
  }
  return groups.filter((g) => g.length > 0).map((g) => g.sort((a, b) => a - b));
}
