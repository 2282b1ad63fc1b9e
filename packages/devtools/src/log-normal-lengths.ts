import { seededRandom } from '@nightshift/proto';

/**
 * Sequence lengths drawn from a log-normal distribution with the given median and 99th
 * percentile (σ = ln(p99 / median) / 2.326), clamped to [1, max]: the skewed workload of the
 * batching tests and benchmark, the same for the same seed.
 */
export function logNormalLengths(n: number, seed: number, opts: { median?: number; p99?: number; max?: number } = {}): number[] {
  const { median = 300, p99 = 8000, max = 65_536 } = opts;
  const rand = seededRandom(seed);
  const sigma = Math.log(p99 / median) / 2.326;
  return Array.from({ length: n }, () => {
    const z = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()); // Box–Muller
    return Math.max(1, Math.min(max, Math.round(median * Math.exp(sigma * z))));
  });
}
