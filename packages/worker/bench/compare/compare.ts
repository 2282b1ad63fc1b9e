// One kernel backend against another on the same ragged batches, within DESIGN.md's
// tolerances (minhash bit-exact, embed 1e-5, attention 1e-4): the heart of
// scripts/gpu-check.sh, tested on the CPU against the TypeScript kernels.
import { performance } from 'node:perf_hooks';
import { resultLength, type OpName, type OpSpec } from '@nightshift/proto';
import { maxDifference, TOLERANCE } from '../../src/kernels/index.js';
import { packBatch } from '../../src/native/index.js';
import type { CompareCase } from './cases.js';

/** Runs a whole ragged batch; throws when the path it stands for did not run. */
export interface BatchRunner {
  name: string;
  run(spec: OpSpec, tokens: Uint32Array, offsets: Uint32Array): Promise<ArrayLike<number>>;
  /** The addon's own account of the last call: its native part, and the kernel time it shared out to jobs. */
  lastCall?: { seconds: number; kernelSeconds: number };
}

export interface Mismatch {
  case: string;
  op: OpName;
  params: Record<string, unknown>;
  job: number;
  length: number;
  maxDifference: number;
  tolerance: number;
  /** The job's first tokens, to rebuild the input. */
  firstTokens: number[];
  /** The first elements of each side's result. */
  got: number[];
  want: number[];
}

export interface CaseFailure {
  case: string;
  runner: string;
  error: string;
}

export interface CompareReport {
  a: string;
  b: string;
  cases: number;
  jobs: number;
  tokens: number;
  /** Per op: jobs compared and the largest difference seen. */
  ops: Record<string, { jobs: number; maxDifference: number; tolerance: number }>;
  mismatches: Mismatch[];
  failures: CaseFailure[];
  seconds: { a: number; b: number };
  ok: boolean;
}


const head = (xs: ArrayLike<number>, n: number) => Array.from({ length: Math.min(n, xs.length) }, (_, i) => xs[i]!);

/** Compares `a` against `b` (the reference side) on every case; a failing run is recorded, not thrown. */
export async function compareBackends(cases: CompareCase[], a: BatchRunner, b: BatchRunner, onCase?: (c: CompareCase, mismatches: number) => void): Promise<CompareReport> {
  const report: CompareReport = { a: a.name, b: b.name, cases: 0, jobs: 0, tokens: 0, ops: {}, mismatches: [], failures: [], seconds: { a: 0, b: 0 }, ok: false };
  for (const c of cases) {
    const { tokens, offsets } = packBatch(c.seqs);
    const timed = async (runner: BatchRunner, side: 'a' | 'b') => {
      const t0 = performance.now();
      try {
        return await runner.run(c.spec, tokens, offsets);
      } catch (err) {
        report.failures.push({ case: c.id, runner: runner.name, error: (err as Error).message });
        return null;
      } finally {
        report.seconds[side] += (performance.now() - t0) / 1000;
      }
    };
    const got = await timed(a, 'a');
    const want = await timed(b, 'b');
    report.cases++;
    const before = report.mismatches.length;
    if (got && want) {
      const len = resultLength(c.spec);
      const tolerance = TOLERANCE[c.spec.op];
      const op = (report.ops[c.spec.op] ??= { jobs: 0, maxDifference: 0, tolerance });
      for (const [name, out] of [[a.name, got], [b.name, want]] as const) {
        if (out.length !== c.seqs.length * len) report.failures.push({ case: c.id, runner: name, error: `returned ${out.length} values for ${c.seqs.length} jobs of ${len}` });
      }
      c.seqs.forEach((seq, job) => {
        const g = Array.prototype.slice.call(got, job * len, (job + 1) * len) as number[];
        const w = Array.prototype.slice.call(want, job * len, (job + 1) * len) as number[];
        const diff = maxDifference(g, w);
        op.jobs++;
        // NaN never passes: a kernel that writes garbage must not compare equal by accident.
        if (!(diff <= tolerance)) {
          report.mismatches.push({ case: c.id, op: c.spec.op, params: { ...c.spec.params }, job, length: seq.length, maxDifference: diff, tolerance, firstTokens: head(seq, 12), got: head(g, 6), want: head(w, 6) });
        } else op.maxDifference = Math.max(op.maxDifference, diff);
      });
      report.jobs += c.seqs.length;
      report.tokens += tokens.length;
    }
    onCase?.(c, report.mismatches.length - before);
  }
  report.ok = report.mismatches.length === 0 && report.failures.length === 0 && report.cases === cases.length;
  return report;
}

/** The report's first mismatches and failures, for a terminal or Markdown. */
export function describeProblems(report: CompareReport, max = 5): string[] {
  const lines = report.mismatches.slice(0, max).map((m) =>
    `${m.case}, job ${m.job} (${m.length} tokens, first ${JSON.stringify(m.firstTokens)}): off by ${m.maxDifference} > ${m.tolerance}; ${report.a} ${JSON.stringify(m.got)} vs ${report.b} ${JSON.stringify(m.want)}`);
  if (report.mismatches.length > max) lines.push(`… and ${report.mismatches.length - max} more mismatching jobs`);
  lines.push(...report.failures.slice(0, max).map((f) => `${f.case}: ${f.runner} failed: ${f.error}`));
  if (report.failures.length > max) lines.push(`… and ${report.failures.length - max} more failed runs`);
  return lines;
}
