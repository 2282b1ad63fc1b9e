/** A tenant's place in the fleet: its weight, the share that weight gives it, and the share it has used. */
export interface TenantShare {
  tenant: string;
  weight: number;
  /** Its weight over the weights of every tenant that has used the fleet lately: what fair sharing aims at. */
  target: number;
  /** Its decayed worker-seconds over everyone's. */
  used: number;
  /** Its decayed worker-seconds. */
  workerSeconds: number;
}

/**
 * Targets and use of each tenant with recent use (or named in `also`): the shares issue 20's
 * dispatch will steer by. A tenant whose use has decayed below a millionth of everyone's counts as
 * gone (some 20 half-lives after its last work): its share is lent to the others.
 */
export function tenantShares(usage: ReadonlyMap<string, number>, weightOf: (tenant: string) => number, also: readonly string[] = []): TenantShare[] {
  const all = [...usage.values()].reduce((a, s) => a + s, 0);
  const tenants = [...new Set([...[...usage].filter(([, s]) => s > 0 && s >= all * 1e-6).map(([t]) => t), ...also])].sort();
  const weights = tenants.map(weightOf);
  const totalWeight = weights.reduce((a, w) => a + w, 0);
  const seconds = tenants.map((t) => usage.get(t) ?? 0);
  const totalSeconds = seconds.reduce((a, s) => a + s, 0);
  return tenants.map((tenant, i) => ({
    tenant,
    weight: weights[i]!,
    target: totalWeight > 0 ? weights[i]! / totalWeight : 0,
    used: totalSeconds > 0 ? seconds[i]! / totalSeconds : 0,
    workerSeconds: seconds[i]!,
  }));
}
