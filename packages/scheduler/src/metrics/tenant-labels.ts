/**
 * The label value of tenants past the cap. Not a valid tenant name (those start with a letter or
 * digit), so it never mixes with a real tenant's series.
 */
export const OTHER_TENANTS = '_other';

/**
 * Which tenants get a `tenant` label of their own. Without auth anyone may name a new tenant on
 * every call, and each would add series to /metrics for good: the first `max` distinct tenants this
 * process sees (those of auth.keys first) keep their names, the rest are counted together under
 * OTHER_TENANTS. Counters and gauges share one instance, so a tenant is named alike in both.
 */
export class TenantLabels {
  private readonly named = new Set<string>();

  constructor(
    private readonly max: number,
    known: Iterable<string> = [],
  ) {
    for (const t of known) if (this.named.size < max) this.named.add(t);
  }

  /** The label value for this tenant. */
  of(tenant: string): string {
    if (this.named.has(tenant)) return tenant;
    if (this.named.size >= this.max) return OTHER_TENANTS;
    this.named.add(tenant);
    return tenant;
  }
}
