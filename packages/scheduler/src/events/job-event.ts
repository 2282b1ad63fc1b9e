import type { JobState } from '../jobs/index.js';

/** One state change of a job, as the tenant's event stream holds it. */
export interface JobEventEntry {
  /** The stream entry id. */
  streamId: string;
  id: string;
  state: JobState;
  seq: number;
  at: number;
  attempts: number;
  error: string;
  workerId: string;
  /** While DEFERRED: "window,start,price" (see parsePlan); else empty. */
  plan: string;
}

/** A stream entry: one field "e" holding "id|state|seq|at|attempts|worker|plan|error" (written by the job scripts). */
export function parseEntry(streamId: string, flat: string[]): JobEventEntry {
  const e = flat[0] === 'e' ? (flat[1] ?? '') : '';
  const parts = e.split('|');
  return {
    streamId,
    id: parts[0] ?? '',
    state: (parts[1] || 'QUEUED') as JobState,
    seq: Number(parts[2] ?? 0),
    at: Number(parts[3] ?? 0),
    attempts: Number(parts[4] ?? 0),
    workerId: parts[5] ?? '',
    plan: parts[6] ?? '',
    // The error is last and may itself hold "|".
    error: parts.slice(7).join('|'),
  };
}
