import { Counter, Gauge, type Registry } from 'prom-client';
import type { Snapshot, SystemView } from './system-view.js';
import type { TenantLabels } from './tenant-labels.js';

/**
 * The gauges of what the system holds now, each read from one snapshot at
 * scrape time (see SystemView): nothing on the hot path. Label sets are
 * bounded by queues and buckets, tenants (up to a cap: the rest are summed under one label, see
 * TenantLabels), windows, pools and models. When
 * the state cannot be read (Redis away), these gauges are left out of the
 * scrape and nightshift_state_up says 0; the counters are still served.
 */
export function registerSystemGauges(registry: Registry, view: SystemView, tenants: TenantLabels): void {
  const read = () => view.snapshot().catch(() => undefined);
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[], fill: (g: Gauge<L>, s: Snapshot) => void): void => {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        const s = await read();
        this.reset();
        if (s) fill(this, s);
      },
    });
  };
  new Gauge({
    name: 'nightshift_state_up',
    help: 'Whether the system state (Redis, the worker pool) could be read for the gauges at this scrape: 1 or 0.',
    registers: [registry],
    async collect() {
      this.set((await read()) ? 1 : 0);
    },
  });
  gauge('nightshift_queue_depth', 'Jobs waiting for a batch, per queue (op and range of lengths) and the pool that takes it.', ['queue', 'pool'], (g, s) => {
    for (const q of s.queues) g.set({ queue: q.queue, pool: q.pool }, q.jobs);
  });
  gauge('nightshift_bucket_depth', 'Jobs waiting for a batch, per length bucket of each queue (only jobs of one bucket share a batch).', ['queue', 'bucket'], (g, s) => {
    for (const b of s.buckets) g.set({ queue: b.queue, bucket: b.bucket }, b.jobs);
  });
  gauge('nightshift_tenant_jobs', "Jobs each tenant holds in each state now (final ones until their retention ends).", ['tenant', 'state'], (g, s) => {
    for (const t of s.tenants) for (const [state, n] of Object.entries(t.jobs)) g.inc({ tenant: tenants.of(t.tenant), state }, n);
  });
  const money = [
    ['spend', 'spent', "Each tenant's spend in its current budget period, US dollars."],
    ['reserved', 'reserved', "Each tenant's reservations (quotes of jobs not yet final) in its current budget period, US dollars."],
    ['budget', 'budget', "Each tenant's budget per period, US dollars (0: none)."],
  ] as const;
  for (const [name, field, help] of money) {
    gauge(`nightshift_tenant_${name}_dollars`, help, ['tenant'], (g, s) => {
      for (const t of s.tenants) g.inc({ tenant: tenants.of(t.tenant) }, t[field]);
    });
  }
  gauge('nightshift_tenant_share', "Each tenant's share of the fleet: `used`, its recent worker-seconds (decayed with fairShare.halfLifeSeconds) over everyone's, and `target`, its weight over the weights of the tenants using the fleet.", ['tenant', 'kind'], (g, s) => {
    for (const t of s.shares) {
      g.inc({ tenant: tenants.of(t.tenant), kind: 'used' }, t.used);
      g.inc({ tenant: tenants.of(t.tenant), kind: 'target' }, t.target);
    }
  });
  gauge('nightshift_deferred_jobs', 'Jobs deferred to a later window, not yet released.', [], (g, s) => g.set(s.calendar.deferredJobs));
  gauge('nightshift_deferred_work_seconds', 'Predicted worker-seconds of work deferred to each window (its openings in the next 48 hours).', ['window'], (g, s) => {
    for (const o of s.calendar.openings) g.inc({ window: o.window }, o.plannedSeconds);
  });
  gauge('nightshift_workers', 'Workers this replica dispatches to, by pool and health (healthy, suspected after a failure, draining).', ['pool', 'health'], (g, s) => {
    for (const pool of ['on-demand', 'spot']) for (const health of ['healthy', 'suspected', 'draining']) g.set({ pool, health }, 0);
    for (const w of s.workers) g.inc({ pool: w.pool, health: w.health });
  });
  const load = [
    ['batches_in_flight', 'inFlight', "Batches out on this replica's workers, by pool."],
    ['slots', 'slots', "Batches this replica's workers take at once, by pool."],
  ] as const;
  for (const [name, field, help] of load) {
    gauge(`nightshift_worker_${name}`, help, ['pool'], (g, s) => {
      for (const w of s.workers) g.inc({ pool: w.pool }, w[field]);
    });
  }
  gauge('nightshift_cost_model_recent_error_ratio', "Each cost model's recent error (mean absolute percentage, about the last 20 batches), as quotes report it.", ['op', 'worker_class'], (g, s) => {
    for (const m of s.models) if (m.error !== null) g.set({ op: m.op, worker_class: m.workerClass }, m.error);
  });
  gauge('nightshift_batch_objects', 'Batch objects not yet final, by state.', ['state'], (g, s) => {
    for (const b of s.batchObjects) g.inc({ state: b.state });
  });
  // Per batch object, while it is not final (bounded by the active batches listed, see batchObjects).
  gauge('nightshift_batch_object_items', "Each active batch object's items by outcome (succeeded, failed, pending).", ['batch', 'tenant', 'outcome'], (g, s) => {
    for (const b of s.batchObjects) {
      const t = tenants.of(b.tenant);
      g.set({ batch: b.id, tenant: t, outcome: 'succeeded' }, b.succeeded);
      g.set({ batch: b.id, tenant: t, outcome: 'failed' }, b.failed);
      g.set({ batch: b.id, tenant: t, outcome: 'pending' }, b.items - b.succeeded - b.failed);
    }
  });
  gauge('nightshift_batch_object_dollars', "Each active batch object's cost so far and its admitted quote, US dollars.", ['batch', 'tenant', 'kind'], (g, s) => {
    for (const b of s.batchObjects) {
      g.set({ batch: b.id, tenant: tenants.of(b.tenant), kind: 'cost' }, b.cost);
      g.set({ batch: b.id, tenant: tenants.of(b.tenant), kind: 'quote' }, b.quote);
    }
  });
  gauge('nightshift_batch_object_eta_seconds', 'When each active batch object is expected to finish, seconds since the epoch.', ['batch', 'tenant'], (g, s) => {
    for (const b of s.batchObjects) if (b.eta > 0) g.set({ batch: b.id, tenant: tenants.of(b.tenant) }, b.eta / 1000);
  });
  new Counter({
    name: 'nightshift_alerts_total',
    help: 'Alerts this process raised, by kind (budget, model_error).',
    labelNames: ['kind'] as const,
    registers: [registry],
    async collect() {
      const s = await read();
      this.reset();
      for (const [kind, n] of Object.entries(s?.alerts ?? {})) this.inc({ kind }, n);
    },
  });
}
