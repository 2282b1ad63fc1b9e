import { JOB_STATES, type JobState } from './job-state.js';

/**
 * nightshift's own Redis keys. Everything of one tenant shares a hash tag,
 * so a tenant's record, indexes and events sit in one Redis Cluster slot
 * and one Lua script may touch them together.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  private tenant(tenant: string): string {
    return `${this.prefix}:{t:${tenant}}`;
  }

  /** Every tenant that has submitted a job (SET), for fleet-wide views. */
  tenants(): string {
    return `${this.prefix}:tenants`;
  }

  job(tenant: string, id: string): string {
    return `${this.tenant(tenant)}:job:${id}`;
  }

  /** Every job of the tenant, scored by creation time. */
  jobs(tenant: string): string {
    return `${this.tenant(tenant)}:jobs`;
  }

  state(tenant: string, state: JobState): string {
    return `${this.tenant(tenant)}:state:${state}`;
  }

  states(tenant: string): string[] {
    return JOB_STATES.map((s) => this.state(tenant, s));
  }

  /** The tenant's spend, reservations, tokens and jobs in one budget period (HASH). */
  ledger(tenant: string, periodId: string): string {
    return `${this.ledgerPrefix(tenant)}${periodId}`;
  }

  /** ledger(tenant, p) = ledgerPrefix(tenant) + p: where the scripts find a job's reservation period. */
  ledgerPrefix(tenant: string): string {
    return `${this.tenant(tenant)}:ledger:`;
  }

  /** The tenant's token bucket for its rate limit (HASH: level, at). */
  rate(tenant: string): string {
    return `${this.tenant(tenant)}:rate`;
  }

  /** Tokens the tenant's unfinished jobs hold (STRING): added by create-jobs.lua, taken off by transition.lua at a final move. */
  held(tenant: string): string {
    return `${this.tenant(tenant)}:held`;
  }

  /** The job a tenant's idempotency key names (STRING: its id), kept as long as the job. */
  idempotency(tenant: string, key: string): string {
    return `${this.tenant(tenant)}:idem:${key}`;
  }

  /** The tenant's stream of job state changes. */
  events(tenant: string): string {
    return `${this.tenant(tenant)}:events`;
  }
}
