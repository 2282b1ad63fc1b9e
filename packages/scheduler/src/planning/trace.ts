import { z } from 'zod';
import type { TraceJob } from './cost-simulation.js';
import { WorkloadError } from './workload.js';

/** A moment: ISO 8601, or ms since the epoch. */
const moment = z.union([z.number().int().nonnegative(), z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time (ISO 8601) or ms since the epoch')]);
const toMs = (m: number | string) => (typeof m === 'number' ? m : Date.parse(m));

/** One line of a JSONL trace: a job as it came. */
const traceLine = z
  .object({
    arrival: moment,
    tokens: z.number().int().min(1),
    /** Heavy jobs have one; a job without runs at once (interactive). */
    deadline: moment.optional(),
    /** Kernel seconds it took, where measured; else the cost model's quote stands in. */
    seconds: z.number().positive().optional(),
  })
  .strict();

/**
 * Reads a JSONL trace, a job a line ({"arrival", "tokens", "deadline"?, "seconds"?}); blank lines
 * are skipped. Problems are named by line and field (the first 20); the jobs come back by arrival.
 */
export function readTrace(text: string, file: string): TraceJob[] {
  const jobs: TraceJob[] = [];
  const problems: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || problems.length >= 20) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      problems.push(`${file}:${i + 1}: not JSON`);
      return;
    }
    const r = traceLine.safeParse(value);
    if (!r.success) {
      for (const issue of r.error.issues) problems.push(`${file}:${i + 1}: ${issue.path.join('.') || '(line)'}: ${issue.message}`);
      return;
    }
    const arrival = toMs(r.data.arrival);
    const deadline = r.data.deadline === undefined ? 0 : toMs(r.data.deadline);
    if (deadline && deadline <= arrival) {
      problems.push(`${file}:${i + 1}: deadline: must come after the arrival`);
      return;
    }
    jobs.push({ arrival, tokens: r.data.tokens, deadline, ...(r.data.seconds !== undefined ? { seconds: r.data.seconds } : {}) });
  });
  if (problems.length) throw new WorkloadError(problems.slice(0, 20).join('\n'));
  if (!jobs.length) throw new WorkloadError(`${file}: no jobs`);
  return jobs.sort((a, b) => a.arrival - b.arrival);
}
