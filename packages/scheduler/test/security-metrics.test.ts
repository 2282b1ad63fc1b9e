// Issue 26, part 8: without auth, /metrics grew with every invented tenant name.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { packTokens } from '@nightshift/proto';
import { startSystem } from './helpers/system.js';

const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

test('invented tenant names past metricsMaxTenants share one label on /metrics', async () => {
  const cap = 5;
  const invented = 40;
  const system = await startSystem('sec-metrics', { workers: 0, config: { metricsListen: '127.0.0.1:0', metricsMaxTenants: cap } });
  stops.push(() => system.stop());

  // Each call names a tenant of its own (auth is off: the header alone says who calls).
  for (let i = 0; i < invented; i++) await system.client(`invented-${i}`).submit({ op: 'minhash', tokens: packTokens(Uint32Array.of(i + 1, 2, 3)) });

  const body = await (await fetch(`http://${system.scheduler.metricsAddress}/metrics`)).text();
  const tenants = new Set([...body.matchAll(/tenant="([^"]*)"/g)].map((m) => m[1]));
  assert.ok(tenants.size <= cap + 1, `${tenants.size} tenant label values on /metrics: ${[...tenants].join(', ')}`);
  assert.ok(tenants.has('_other'), 'the tenants past the cap are counted under tenant="_other"');
  // Nothing is lost: every job admitted is counted, named or not.
  const queued = [...body.matchAll(/^nightshift_jobs_total\{.*state="QUEUED".*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(queued, invented);
  const held = [...body.matchAll(/^nightshift_tenant_jobs\{.*state="QUEUED".*\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
  assert.equal(held, invented);
});
