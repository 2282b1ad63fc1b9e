// Number and table formatting, and random batches, for the worker's benchmarks.
import { seededRandom } from '@nightshift/proto';

export const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const si = (x: number) => (x >= 1e9 ? `${fmt(x / 1e9, 2)} G` : x >= 1e6 ? `${fmt(x / 1e6, 2)} M` : x >= 1e3 ? `${fmt(x / 1e3, 1)} k` : fmt(x));

/** A Markdown table, the first column left-aligned and the rest right-aligned (numbers). */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  return [line(head), `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`, ...rows.map(line)].join('\n');
}

/** Flops the native attention executes: three projections, and q·k for every causal pair (the weights trick skips p·v). */
export function attentionFlops(n: number, dim: number): number {
  return 3 * 2 * n * dim * dim + ((n * (n + 1)) / 2) * 2 * dim;
}

/** `jobs` sequences of `length` random token ids below 200,000, packed, in shared memory (as the worker's batches are). */
export function makeBatch(jobs: number, length: number, seed: number): { tokens: Uint32Array; offsets: Uint32Array } {
  const rand = seededRandom(seed);
  const tokens = new Uint32Array(new SharedArrayBuffer(jobs * length * 4));
  for (let i = 0; i < tokens.length; i++) tokens[i] = Math.floor(rand() * 200_000);
  return { tokens, offsets: Uint32Array.from({ length: jobs + 1 }, (_, i) => i * length) };
}
