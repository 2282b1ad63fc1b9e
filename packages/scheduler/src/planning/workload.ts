import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { validCron, validTimezone } from '../calendar/index.js';
import type { CostSimulation } from './cost-simulation.js';

/** A workload described in a few lines, as `nightshift plan --workload FILE` reads it (YAML or JSON). */
const workloadSchema = z
  .object({
    /** Days simulated. */
    days: z.number().int().min(1).max(31).default(7),
    /** Jobs a day, on average; arrivals follow a daily rhythm (busiest at 14:00 UTC). Not needed with a trace. */
    jobsPerDay: z.number().int().min(1).max(1_000_000).optional(),
    /** Share of jobs that are heavy: long, with a deadline. */
    heavyShare: z.number().min(0).max(1).optional(),
    /** Hours a heavy job has from its arrival. */
    deadlineHours: z.number().positive().optional(),
    /** Windows of capacity and price, as the scheduler's config has them; prices per GPU-hour by window, "on-demand" always. */
    calendar: z
      .array(
        z
          .object({
            name: z.string().min(1),
            start: z.string().refine(validCron, 'must be a five-field cron'),
            durationMinutes: z.number().int().positive(),
            timezone: z.string().refine(validTimezone, 'must be an IANA time zone').default('UTC'),
            spot: z.boolean().default(false),
          })
          .strict(),
      )
      .default([]),
    prices: z.record(z.string(), z.number().min(0)).refine((p) => p['on-demand'] !== undefined, 'must price "on-demand"'),
    /** Chance a spot worker is taken back within an hour. */
    preemptionPerHour: z.number().min(0).max(1).default(0.05),
    maxPreemptions: z.number().int().min(0).default(2),
    /** deferral.heavyPrice: a job quoted at least this (US dollars) to run now may be deferred. */
    heavyPrice: z.number().min(0).default(0.5),
    marginMinutes: z.number().min(0).default(60),
    /** Seeds the trace: the same seed, the same jobs. */
    seed: z.number().int().default(1),
    /** When the trace starts (ISO 8601). */
    start: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be a date and time (ISO 8601)').default('2026-01-05T00:00:00Z'),
  })
  .strict()
  .superRefine((w, ctx) => {
    for (const [i, c] of w.calendar.entries()) {
      if (w.prices[c.name] === undefined) ctx.addIssue({ code: 'custom', path: ['calendar', i, 'name'], message: `window "${c.name}" has no price in prices` });
    }
  });

export type Workload = Omit<CostSimulation, 'onDemandWorkers' | 'spotWorkers' | 'defer'>;

export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

/**
 * Reads a workload description: YAML (or JSON), checked whole. A problem is named by its line and
 * its field, every problem at once.
 */
export function readWorkload(text: string, file: string, opts: { trace?: boolean } = {}): Workload {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    const e = doc.errors[0]!;
    throw new WorkloadError(`${file}:${lines.linePos(e.pos[0]).line}: not YAML: ${e.message.split('\n')[0]}`);
  }
  // Without a trace, the description makes the jobs: how many, how heavy, with what deadlines.
  const schema = opts.trace
    ? workloadSchema
    : workloadSchema.superRefine((w, ctx) => {
        for (const k of ['jobsPerDay', 'heavyShare', 'deadlineHours'] as const) if (w[k] === undefined) ctx.addIssue({ code: 'custom', path: [k], message: 'is required (unless the jobs come from --trace)' });
      });
  const result = schema.safeParse(doc.toJS() ?? {});
  if (!result.success) {
    const problems = result.error.issues.map((i) => {
      // The line of the deepest node of the path that is there (the parent's, for a missing field).
      let line = 1;
      for (let n = i.path.length; n >= 0; n--) {
        const node = doc.getIn(i.path.slice(0, n) as Array<string | number>, true) as { range?: [number, number, number] } | undefined;
        if (node?.range) {
          line = lines.linePos(node.range[0]).line;
          break;
        }
      }
      return `${file}:${line}: ${i.path.join('.') || '(top level)'}: ${i.message}`;
    });
    throw new WorkloadError(problems.join('\n'));
  }
  const w = result.data;
  return {
    start: Date.parse(w.start), days: w.days, jobsPerDay: w.jobsPerDay ?? 0, heavyShare: w.heavyShare ?? 0, deadlineHours: w.deadlineHours ?? 24,
    calendar: w.calendar, prices: w.prices, preemptionPerHour: w.preemptionPerHour, maxPreemptions: w.maxPreemptions,
    heavyPrice: w.heavyPrice, marginMs: w.marginMinutes * 60_000, seed: w.seed,
  };
}
