import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Cluster } from 'ioredis';
import { packTokens } from '@nightshift/proto';
import { JobClient, ManualClock, schedulerConfig, startScheduler, type RunningScheduler } from '../src/index.js';
import { startRedisCluster, type RedisClusterHandle } from '@nightshift/devtools';
import { startWorkerProcess, type ServiceProcess } from './helpers/processes.js';
import { testPrefix } from './helpers/redis.js';
import { mixedJobs } from './helpers/workload.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

test('the whole path on a 3-node Redis Cluster: queues and tenants spread over the nodes, two replicas, every job done once', async () => {
  const cluster: RedisClusterHandle = await startRedisCluster(3);
  cleanups.push(() => cluster.stop());
  const seed = cluster.nodes[0]!;
  const prefix = testPrefix('cluster');
  const workers: ServiceProcess[] = await Promise.all([startWorkerProcess('w1'), startWorkerProcess('w2')]);
  cleanups.push(() => Promise.all(workers.map((w) => w.stop())));
  const config = (i: number) =>
    schedulerConfig({
      listen: '127.0.0.1:0', redisUrl: `redis://${seed.host}:${seed.port}`, redisCluster: true, prefix, logLevel: 'warn',
      workers: [{ id: `w${i + 1}`, address: workers[i]!.ready.address }],
      calendar: [{ name: 'night', start: '0 22 * * *', durationMinutes: 480, timezone: 'UTC' }],
      pricing: { classes: { cpu: { 'on-demand': 1, night: 0.5 } } },
      deferral: { heavyPrice: 0 },
    });
  // Noon on the schedulers' clock: the night window is ahead, whatever the time of the run.
  const clock = new ManualClock(Date.parse('2026-11-23T12:00:00Z'));
  const schedulers: RunningScheduler[] = [await startScheduler(config(0), undefined, { clock }), await startScheduler(config(1), undefined, { clock })];
  cleanups.push(() => Promise.all(schedulers.map((s) => s.stop())));

  // Three tenants, mixed ops and lengths, through both replicas.
  const results = await Promise.all(
    ['acme', 'globex', 'initech'].map(async (tenant, t) => {
      const c = new JobClient(schedulers[t % 2]!.address, tenant);
      cleanups.push(async () => c.close());
      const jobs = mixedJobs(60, 100 + t);
      const ids: string[] = [];
      await c.submitMany(jobs.map((j, i) => ({ requestId: String(i), job: j.spec })), (r) => ids.push(r.job?.id ?? assert.fail(`refused: ${r.error?.message}`)));
      for await (const _ of c.watchJobs(ids));
      const done = await Promise.all(ids.map((id) => c.getJob(id)));
      return { tenant, done, c };
    }),
  );
  for (const { tenant, done } of results) {
    assert.equal(done.length, 60);
    for (const j of done) assert.equal(j.state, 'JOB_STATE_SUCCEEDED', `${tenant}: ${j.id} ${j.error}`);
    assert.ok(done.every((j) => j.attempts === 1), 'each ran once');
  }
  // A deferred job and its cancellation work across slots too.
  const c = results[0]!.c;
  const later = await c.submit({ op: 'embed', tokens: packTokens(Uint32Array.from({ length: 500 }, (_, i) => i + 1)), completionWindowSeconds: 86_400 });
  assert.equal(later.state, 'JOB_STATE_DEFERRED');
  assert.equal((await c.cancelJob(later.id)).state, 'JOB_STATE_CANCELLED');

  // The keys really are spread: every node holds some of this run's keys.
  const redis = new Cluster([seed]);
  cleanups.push(() => redis.quit());
  const perNode = await Promise.all(redis.nodes('master').map(async (n) => (await n.keys(`${prefix}:*`)).length));
  assert.ok(perNode.every((k) => k > 0), `keys per node: ${perNode.join(', ')}`);
});
