import type { Caller } from '../auth/index.js';
import { exhausted } from './api-error.js';

/**
 * Streams of one kind open on this replica, counted per tenant and per key:
 * a stream past either limit is refused RESOURCE_EXHAUSTED, so one tenant
 * (or one admin key acting for many) cannot hold the replica's memory and
 * event loop with open streams. Each replica counts its own.
 */
export class StreamQuota {
  private readonly byTenant = new Map<string, number>();
  private readonly byKey = new Map<string, number>();

  constructor(
    /** What the streams are, for the message: "watches", "SubmitStreams". */
    private readonly kind: string,
    private readonly perTenant: number,
    private readonly perKey: number,
  ) {}

  /** Takes a place for the caller's stream, or throws; the function returned gives it back (once). */
  take(caller: Caller): () => void {
    const t = this.byTenant.get(caller.tenant) ?? 0;
    const k = this.byKey.get(caller.key) ?? 0;
    if (t >= this.perTenant) throw exhausted(`too many open ${this.kind}: tenant ${caller.tenant} has ${t} on this scheduler, the limit is ${this.perTenant}; close one first`);
    if (k >= this.perKey) throw exhausted(`too many open ${this.kind}: this API key has ${k} on this scheduler, the limit is ${this.perKey}; close one first`);
    this.byTenant.set(caller.tenant, t + 1);
    this.byKey.set(caller.key, k + 1);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.release(this.byTenant, caller.tenant);
      this.release(this.byKey, caller.key);
    };
  }

  private release(map: Map<string, number>, name: string): void {
    const n = (map.get(name) ?? 1) - 1;
    if (n > 0) map.set(name, n);
    else map.delete(name);
  }
}
