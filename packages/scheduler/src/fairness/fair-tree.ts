/** The fair-share configuration: tenants' weights and caps, and groups of tenants. */
export interface FairTreeConfig {
  tenants: Record<string, { weight: number; maxShare: number }>;
  groups: Record<string, { weight: number; tenants: string[] }>;
}

/**
 * Who shares with whom. A group (a team with several keys, as Slurm accounts and Kueue cohorts
 * are) takes its share of the fleet by its weight, and its tenants share that by theirs; a tenant
 * in no group is a group of its own, weighted by its own weight.
 */
export class FairTree {
  private readonly groupOf = new Map<string, { name: string; weight: number; tenants: readonly string[] }>();

  constructor(private readonly config: FairTreeConfig) {
    for (const [name, g] of Object.entries(config.groups)) for (const t of g.tenants) this.groupOf.set(t, { name, ...g });
  }

  weight(tenant: string): number {
    return this.config.tenants[tenant]?.weight ?? 1;
  }

  maxShare(tenant: string): number {
    return this.config.tenants[tenant]?.maxShare ?? 1;
  }

  /** The tenant's group, if it is in one. */
  group(tenant: string): { name: string; weight: number; tenants: readonly string[] } | undefined {
    return this.groupOf.get(tenant);
  }

  /**
   * Which tenant goes first (lower): its group's seconds over the group's weight, and within the
   * group its own over its weight. `seconds` gives a tenant's worker-seconds (used and out).
   */
  rank(tenant: string, seconds: (tenant: string) => number): number {
    const own = seconds(tenant) / this.weight(tenant);
    const g = this.groupOf.get(tenant);
    if (!g) return own;
    let sum = 0;
    for (const t of g.tenants) sum += seconds(t);
    // The group's rank first; its members apart by their own, in a part too small to reorder groups.
    return sum / g.weight + own * 1e-9;
  }

  /** Each tenant's target share of the fleet among `active`: its group's weight share, then its own within the group. */
  targets(active: readonly string[]): Map<string, number> {
    const groups = new Map<string, { weight: number; tenants: string[] }>();
    for (const t of active) {
      const g = this.groupOf.get(t);
      const key = g ? `group:${g.name}` : `tenant:${t}`;
      const entry = groups.get(key) ?? { weight: g ? g.weight : this.weight(t), tenants: [] };
      entry.tenants.push(t);
      groups.set(key, entry);
    }
    const total = [...groups.values()].reduce((a, g) => a + g.weight, 0);
    const out = new Map<string, number>();
    for (const g of groups.values()) {
      const inGroup = g.tenants.reduce((a, t) => a + this.weight(t), 0);
      for (const t of g.tenants) out.set(t, total > 0 ? (g.weight / total) * (this.weight(t) / inGroup) : 0);
    }
    return out;
  }
}
