/**
 * A job's entry in the pending set of its (op, params, bucket): all that
 * forming a batch needs to know of it, in one string, so that a batch is
 * chosen from one ZRANGE without reading any record.
 */
export interface PendingEntry {
  tenant: string;
  id: string;
  length: number;
  /** Higher runs first. */
  priority: number;
  /** When it was first queued, ms. */
  queuedAt: number;
  /** The record's attempts when this entry was made: a batch runs the job only if they still match. */
  attempts: number;
  maxAttempts: number;
}

// Tenants are [A-Za-z0-9._-] and ids UUIDs: '|' never occurs in them.
export function encodeEntry(e: PendingEntry): string {
  return `${e.tenant}|${e.id}|${e.length}|${e.priority}|${e.queuedAt}|${e.attempts}|${e.maxAttempts}`;
}

export function decodeEntry(s: string): PendingEntry {
  const [tenant, id, length, priority, queuedAt, attempts, maxAttempts] = s.split('|');
  return {
    tenant: tenant!,
    id: id!,
    length: Number(length),
    priority: Number(priority),
    queuedAt: Number(queuedAt),
    attempts: Number(attempts),
    maxAttempts: Number(maxAttempts),
  };
}

/** Without aging, priorities still order: one step counts as this much waiting (about 11.6 days). */
const NO_AGING_MS = 1e9;

/** ms of waiting one step of priority is worth, as the pending sets' scores use it. */
export function agingScale(agingMsPerPriority: number): number {
  return agingMsPerPriority > 0 ? agingMsPerPriority : NO_AGING_MS;
}

/**
 * The entry's score in its pending set, lowest first: the order of effective priority with aging
 * (priority + waited ÷ agingMsPerPriority), which is fixed at queueing time, so Redis keeps it.
 * promote.lua computes the same.
 */
export function pendingScore(e: Pick<PendingEntry, 'priority' | 'queuedAt'>, agingMsPerPriority: number): number {
  return e.queuedAt - e.priority * agingScale(agingMsPerPriority);
}
