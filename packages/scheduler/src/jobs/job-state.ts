/** A job's states, in nightshift's words; the API prefixes them with JOB_STATE_. */
// The order is the order of the state index keys that transition.lua takes.
export const JOB_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'DEFERRED'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const FINAL_STATES: ReadonlySet<JobState> = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

export function isFinal(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

export function toApiState(state: JobState): `JOB_STATE_${JobState}` {
  return `JOB_STATE_${state}`;
}

export function fromApiState(api: string): JobState | undefined {
  const s = api.replace(/^JOB_STATE_/, '');
  return (JOB_STATES as readonly string[]).includes(s) ? (s as JobState) : undefined;
}
