import type { FairTree } from './fair-tree.js';

/** A tenant's place in the fleet: its weight, the share that weight gives it, and the share it has used. */
export interface TenantShare {
  tenant: string;
  weight: number;
  /** Its share of the weights of the tenants (and groups) that have used the fleet lately: what fair sharing aims at. */
  target: number;
  /** Its decayed worker-seconds over everyone's. */
  used: number;
  /** Its decayed worker-seconds. */
  workerSeconds: number;
}

/**
 * Targets and use of each tenant with recent use (or named in `also`). A tenant whose use has
 * decayed below a millionth of everyone's counts as gone (some 20 half-lives after its last work):
 * its share is lent to the others.
 */
export function tenantShares(usage: ReadonlyMap<string, number>, tree: FairTree, also: readonly string[] = []): TenantShare[] {
  const all = [...usage.values()].reduce((a, s) => a + s, 0);
  const tenants = [...new Set([...[...usage].filter(([, s]) => s > 0 && s >= all * 1e-6).map(([t]) => t), ...also])].sort();
  const targets = tree.targets(tenants);
  const seconds = tenants.map((t) => usage.get(t) ?? 0);
  const totalSeconds = seconds.reduce((a, s) => a + s, 0);
  return tenants.map((tenant, i) => ({
    tenant,
    weight: tree.weight(tenant),
    target: targets.get(tenant)!,
    used: totalSeconds > 0 ? seconds[i]! / totalSeconds : 0,
    workerSeconds: seconds[i]!,
  }));
}
