import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { packTokens } from '@nightshift/proto';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { delta, Scrape } from './helpers/prometheus.js';

const systems: TestSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

test('GET /metrics exports the queue depth that worker autoscaling reads, per queue and pool', async () => {
  // No workers: what is submitted stays queued.
  const sys = await startSystem('metrics', { workers: 0, config: { metricsListen: '127.0.0.1:0' } });
  systems.push(sys);
  const scrape = async () => (await Scrape.of(sys.scheduler.metricsAddress)).samples('nightshift_queue_depth');
  assert.equal([...(await scrape()).values()].reduce((a, b) => a + b, 0), 0);
  const c = sys.client();
  for (let i = 0; i < 7; i++) await c.submit({ op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 100 }, (_, k) => k + i)) });
  for (let i = 0; i < 3; i++) await c.submit({ op: 'embed', tokens: packTokens(Uint32Array.from({ length: 5000 }, (_, k) => k + i)) });
  await new Promise((r) => setTimeout(r, 1100)); // read from Redis at most once a second
  const depth = await scrape();
  assert.equal(depth.get('{queue="{minhash.le128}",pool="on-demand"}'), 7, [...depth.entries()].join(' '));
  assert.equal(depth.get('{queue="{embed.le8192}",pool="on-demand"}'), 3);
  // The same jobs by length bucket: one bucket each here (all minhash jobs are 100 tokens long).
  const buckets = (await Scrape.of(sys.scheduler.metricsAddress)).samples('nightshift_bucket_depth');
  assert.deepEqual([...buckets.entries()].filter(([l]) => l.includes('minhash')).map(([, n]) => n), [7]);
  assert.equal([...buckets.values()].reduce((a, b) => a + b, 0), 10);
  assert.equal((await fetch(`http://${sys.scheduler.metricsAddress}/nope`)).status, 404);
});

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

test('metrics move as jobs flow: scheduler and worker, scraped before and after a run', async () => {
  const sys = await startSystem('metrics-flow', {
    workers: 1,
    workerEnv: { NIGHTSHIFT_WORKER_METRICS_LISTEN: '127.0.0.1:0' },
    config: {
      metricsListen: '127.0.0.1:0',
      jobs: { maxTokensPerJob: 20_000 },
      // A cheap daily window opening one to two hours from now (never open while the test runs): jobs with a day to spare wait for it.
      calendar: [{ name: 'night', start: `0 ${(new Date().getUTCHours() + 2) % 24} * * *`, durationMinutes: 60 }],
      pricing: { classes: { cpu: { 'on-demand': 0.1, night: 0.02 } } },
      deferral: { heavyPrice: 0, marginMinutes: 10 },
      limits: { defaults: { budget: 50 } },
    },
  });
  systems.push(sys);
  const worker = sys.workers[0]!.ready.metricsAddress;
  const scrapeBoth = async () => Promise.all([Scrape.of(sys.scheduler.metricsAddress), Scrape.of(worker)]);
  const [s0, w0] = await scrapeBoth();
  assert.ok(s0.page.includes('# TYPE nightshift_jobs_total counter'));

  const c = sys.client('acme');
  const tokens = (n: number, seed: number) => packTokens(Uint32Array.from({ length: n }, (_, k) => k * 7 + seed));
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) ids.push((await c.submit({ op: 'minhash', tokens: tokens(200 + i, i) })).id);
  await c.submitMany(
    Array.from({ length: 5 }, (_, i) => ({ requestId: String(i), job: { op: 'embed', tokens: tokens(1000, 100 + i) } })),
    (r) => ids.push(r.job!.id),
  );
  // Refused at admission: longer than jobs.maxTokensPerJob.
  await assert.rejects(c.submit({ op: 'minhash', tokens: tokens(20_001, 1) }), /INVALID_ARGUMENT|above the limit/);
  // Deferred to the night: a day to spare.
  const deferred = await Promise.all([0, 1].map((i) => c.submit({ op: 'embed', tokens: tokens(3000, 500 + i), completionWindowSeconds: 86_400 })));
  for (const d of deferred) assert.equal(d.state, 'JOB_STATE_DEFERRED');
  const events = await watchUntilFinal(c, ids);
  for (const [id, list] of events) assert.equal(list.at(-1)?.state, 'JOB_STATE_SUCCEEDED', id);
  await new Promise((r) => setTimeout(r, 1100)); // gauges read Redis at most once a second
  const [s1, w1] = await scrapeBoth();
  const d = (name: string, labels: Record<string, string> = {}) => delta(s0, s1, name, labels);
  const dw = (name: string, labels: Record<string, string> = {}) => delta(w0, w1, name, labels);

  // Jobs by state: 17 admitted and run, 2 deferred, one refused.
  for (const state of ['QUEUED', 'RUNNING', 'SUCCEEDED']) assert.equal(d('nightshift_jobs_total', { tenant: 'acme', state }), 17, state);
  assert.equal(d('nightshift_jobs_total', { tenant: 'acme', op: 'minhash', state: 'SUCCEEDED' }), 12);
  assert.equal(d('nightshift_jobs_total', { tenant: 'acme', op: 'embed', queue: '{embed.le1024}', state: 'SUCCEEDED' }), 5);
  assert.equal(d('nightshift_jobs_total', { tenant: 'acme', state: 'DEFERRED' }), 2);
  assert.equal(d('nightshift_jobs_total', { state: 'FAILED' }), 0);
  assert.equal(d('nightshift_jobs_refused_total', { tenant: 'acme', code: 'INVALID_ARGUMENT' }), 1);
  assert.equal(s1.sum('nightshift_tenant_jobs', { tenant: 'acme', state: 'SUCCEEDED' }), 17);
  assert.equal(s1.sum('nightshift_tenant_jobs', { tenant: 'acme', state: 'DEFERRED' }), 2);

  // Batches: the scheduler's count, the worker's, and the jobs in them agree.
  const batches = d('nightshift_batches_total', { outcome: 'ran' });
  assert.ok(batches >= 2 && batches <= 17, `batches: ${batches}`);
  assert.equal(dw('nightshift_worker_batches_total', { outcome: 'ran' }), batches);
  assert.equal(d('nightshift_batch_jobs_sum'), 17);
  assert.equal(d('nightshift_batch_jobs_count'), batches);
  assert.equal(dw('nightshift_worker_jobs_total', { outcome: 'ok' }), 17);
  assert.equal(d('nightshift_dispatch_latency_seconds_count'), 17);
  assert.equal(d('nightshift_batch_padding_efficiency_count'), batches);
  assert.equal(d('nightshift_batch_padding_efficiency_bucket', { le: '1' }), batches, 'no batch pads more than it holds');
  assert.ok(d('nightshift_batch_padded_tokens_sum') >= 12 * 200 + 5 * 1000);

  // Kernel seconds: measured by the worker, reported to the scheduler, against the model's predictions.
  const kernel = dw('nightshift_worker_kernel_seconds_sum');
  assert.ok(kernel > 0);
  assert.equal(dw('nightshift_worker_kernel_seconds_count'), batches);
  assert.ok(Math.abs(d('nightshift_batch_kernel_seconds_sum') - kernel) < 1e-6 * Math.max(1, kernel), 'the scheduler counts the seconds the worker measured');
  assert.equal(d('nightshift_batch_predicted_seconds_count'), batches);
  assert.ok(d('nightshift_batch_predicted_seconds_sum') > 0);
  assert.equal(d('nightshift_cost_model_error_ratio_count'), batches);

  // gRPC requests by method and status, on both sides.
  assert.equal(d('nightshift_grpc_requests_total', { service: 'nightshift.v1.JobService', method: 'Submit', code: 'OK' }), 14);
  assert.equal(d('nightshift_grpc_requests_total', { method: 'Submit', code: 'INVALID_ARGUMENT' }), 1);
  assert.equal(d('nightshift_grpc_requests_total', { method: 'SubmitStream', code: 'OK' }), 1);
  assert.equal(dw('nightshift_grpc_requests_total', { service: 'nightshift.v1.WorkerService', method: 'RunBatch', code: 'OK' }), batches);

  // State read at scrape time: spend against budget, deferred work per window, workers by pool and health.
  assert.ok(s1.sum('nightshift_tenant_spend_dollars', { tenant: 'acme' }) > 0);
  assert.ok(s1.sum('nightshift_tenant_reserved_dollars', { tenant: 'acme' }) > 0, 'the deferred jobs hold reservations');
  assert.equal(s1.sum('nightshift_tenant_budget_dollars', { tenant: 'acme' }), 50);
  assert.equal(s1.sum('nightshift_deferred_jobs'), 2);
  assert.ok(s1.sum('nightshift_deferred_work_seconds', { window: 'night' }) > 0);
  assert.equal(s1.sum('nightshift_workers', { pool: 'on-demand', health: 'healthy' }), 1);
  assert.equal(s1.sum('nightshift_worker_slots', { pool: 'on-demand' }), 2);
  assert.equal(w1.sum('nightshift_worker_batches_in_flight'), 0);
  assert.equal(s1.sum('nightshift_state_up'), 1);

  // Bounded labels: no job id (nor any id-like value) is a label anywhere.
  for (const page of [s1, w1]) {
    const values = page.labelValues();
    assert.ok(values.length > 50);
    for (const id of [...ids, ...deferred.map((j) => j.id)]) assert.ok(!page.page.includes(id), `job id ${id} in a metric`);
    assert.deepEqual(values.filter((v) => UUID.test(v)), []);
  }
});
