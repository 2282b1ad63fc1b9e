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
}

export function parseEntry(streamId: string, flat: string[]): JobEventEntry {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) f[flat[i]!] = flat[i + 1]!;
  return {
    streamId,
    id: f.id ?? '',
    state: (f.state ?? 'QUEUED') as JobState,
    seq: Number(f.seq ?? 0),
    at: Number(f.at ?? 0),
    attempts: Number(f.attempts ?? 0),
    error: f.error ?? '',
    workerId: f.worker ?? '',
  };
}
