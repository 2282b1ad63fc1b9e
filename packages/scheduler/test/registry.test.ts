import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, packTokens, type JobEvent__Output } from '@nightshift/proto';
import { JobClient, schedulerConfig, startScheduler } from '../src/index.js';
import { recordTenant, startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { startWorkerProcess, type ServiceProcess } from './helpers/processes.js';
import { REDIS_URL } from './helpers/redis.js';
import { rng } from './helpers/workload.js';

const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});
const redis = new Redis(REDIS_URL);
cleanups.push(() => redis.quit());

// Short leases, so that a lapse shows within a test.
const fast = { registry: { leaseSeconds: 2, heartbeatSeconds: 1, syncMs: 100 }, jobs: { backoffMs: 100 } };

async function fleetOf(sys: TestSystem, ids: string[], env: Record<string, string> = {}, args: string[] = []): Promise<ServiceProcess[]> {
  const workers = await Promise.all(ids.map((id) => startWorkerProcess(id, { NIGHTSHIFT_SCHEDULER: sys.scheduler.address, ...env }, args)));
  cleanups.push(() => Promise.all(workers.map((w) => w.kill())));
  await until(async () => (await redis.hlen(`${sys.prefix}:{registry}`)) === ids.length, 'every worker registered');
  // And in the scheduler's pool (it reads the registry every syncMs): jobs submitted before then could all go to the workers already in it.
  await until(async () => ids.every((id) => sys.scheduler.fleet().some((w) => w.id === id)), 'every worker in the scheduler\'s fleet');
  return workers;
}

async function until(check: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

const rand = rng(21);
const tokens = (n: number) => packTokens(Uint32Array.from({ length: n }, () => Math.floor(rand() * 100_000)));

test('workers register themselves: a scheduler with none configured, and a replica, run jobs on them; two workers share the load', async () => {
  const sys = await startSystem('registry', { workers: 0, config: fast });
  cleanups.push(() => sys.stop());
  await fleetOf(sys, ['reg-a', 'reg-b']);
  const info = JSON.parse((await redis.hget(`${sys.prefix}:{registry}`, 'reg-a'))!) as Record<string, unknown>;
  assert.equal(info.pool, 'on-demand');
  assert.deepEqual(info.ops, ['minhash', 'embed', 'attention']);
  assert.match(String(info.address), /^127\.0\.0\.1:\d+$/);

  const c = sys.client();
  const ids: string[] = [];
  await c.submitMany(
    Array.from({ length: 200 }, (_, i) => ({ requestId: String(i), job: { op: 'minhash', tokens: tokens(50 + ((i * 37) % 3000)) } })),
    (r) => ids.push(r.job?.id ?? assert.fail(`refused: ${r.error?.message}`)),
  );
  const events = await watchUntilFinal(c, ids);
  const by = new Set<string>();
  for (const id of ids) {
    const last = events.get(id)!.at(-1)!;
    assert.equal(last.state, 'JOB_STATE_SUCCEEDED');
    by.add(last.workerId);
  }
  assert.deepEqual([...by].sort(), ['reg-a', 'reg-b'], 'both registered workers took batches');

  // A second replica, with no workers of its own, finds the same fleet in Redis.
  const replica = await startScheduler(schedulerConfig({ listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix: sys.prefix, logLevel: 'warn', ...fast }));
  cleanups.push(() => replica.stop());
  const rc = new JobClient(replica.address, 'acme');
  cleanups.push(async () => rc.close());
  const viaReplica = await rc.submit({ op: 'embed', tokens: tokens(400) });
  assert.equal((await watchUntilFinal(rc, [viaReplica.id])).get(viaReplica.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');

  // Bad registrations are refused with the field named.
  const Registry = loadNightshift().grpcObject.nightshift.v1.RegistryService;
  const raw = new Registry(sys.scheduler.address, grpc.credentials.createInsecure());
  cleanups.push(async () => raw.close());
  const register = (worker: Record<string, unknown>) =>
    new Promise<grpc.ServiceError | null>((resolve) => raw.register({ worker }, (err) => resolve(err)));
  const good = { id: 'x1', address: '127.0.0.1:1', workerClass: 'cpu', pool: 'on-demand', ops: ['minhash'], backend: 'ts', maxPaddedTokens: '1000', maxBatchesInFlight: 1 };
  for (const [bad, message] of [
    [{ ...good, address: 'nowhere' }, /worker\.address: must be host:port/],
    [{ ...good, pool: 'cheap' }, /worker\.pool: must be on-demand or spot/],
    [{ ...good, ops: ['sort'] }, /worker\.ops\.0: must be one of minhash, embed, attention/],
    [{ ...good, id: '../etc' }, /worker\.id: must be/],
    [{ ...good, maxBatchesInFlight: 0 }, /worker\.max_batches_in_flight: must be 1 to 64/],
  ] as const) {
    const err = await register(bad);
    assert.equal(err?.code, grpc.status.INVALID_ARGUMENT);
    assert.match(err!.details, message);
  }
  const unknown = await new Promise<grpc.ServiceError | null>((resolve) => raw.deregister({ workerId: 'nobody' }, (err) => resolve(err)));
  assert.equal(unknown?.code, grpc.status.NOT_FOUND);
});

test('a worker that stops heartbeating is dropped, its batch runs elsewhere; back, it registers again', async () => {
  const sys = await startSystem('lease', { workers: 0, config: { ...fast, dispatch: { workerBackoffMs: 60_000 } } });
  cleanups.push(() => sys.stop());
  const [a] = await fleetOf(sys, ['lease-a', 'lease-b'], { NIGHTSHIFT_KERNELS: 'ts' });
  const c = sys.client();
  const ids: string[] = [];
  for (let i = 0; i < 6; i++) ids.push((await c.submit({ op: 'attention', tokens: tokens(3_000) })).id);
  const watch = c.watchJobs(ids);
  let victim = '';
  for await (const e of watch as AsyncIterable<JobEvent__Output>) {
    if (e.state === 'JOB_STATE_RUNNING' && e.workerId === 'lease-a') {
      victim = e.jobId;
      break;
    }
  }
  watch.cancel();
  // Frozen: no heartbeat, no reply. Its lease lapses; the scheduler cancels the batch out on it.
  process.kill(a!.child.pid!, 'SIGSTOP');
  cleanups.push(async () => process.kill(a!.child.pid!, 'SIGCONT'));
  const events = await watchUntilFinal(c, ids, 60_000);
  for (const id of ids) assert.equal(events.get(id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  const v = await c.getJob(victim, true);
  assert.equal(v.workerId, 'lease-b', 'the frozen worker\'s batch ran on the other one');
  assert.ok(v.attempts >= 2, 'the lost attempt counts (an on-demand worker)');
  assert.equal(await redis.hexists(`${sys.prefix}:{registry}`, 'lease-a'), 0, 'dropped from the fleet');

  process.kill(a!.child.pid!, 'SIGCONT');
  await until(async () => (await redis.hexists(`${sys.prefix}:{registry}`, 'lease-a')) === 1, 'the thawed worker registered again');
});

test('a draining worker is sent nothing new, finishes what it holds, and loses nothing', async () => {
  const sys = await startSystem('drain', { workers: 0, config: fast });
  cleanups.push(() => sys.stop());
  const [a] = await fleetOf(sys, ['drain-a', 'drain-b'], { NIGHTSHIFT_KERNELS: 'ts' });
  const c = sys.client();
  const tenant = await recordTenant(c);
  const all = tenant.events;
  const ids: string[] = [];
  for (let i = 0; i < 8; i++) ids.push((await c.submit({ op: 'attention', tokens: tokens(2_500) })).id);
  await until(async () => all.some((e) => e.state === 'JOB_STATE_RUNNING' && e.workerId === 'drain-a'), 'drain-a runs a batch');
  const stopping = a!.stop();
  await until(async () => JSON.parse((await redis.hget(`${sys.prefix}:{registry}`, 'drain-a')) ?? '{}').draining === true, 'drain-a is draining');
  const drainingFrom = all.length;
  assert.equal(await stopping, 0, 'it exits cleanly once its batch is done');
  const events = await watchUntilFinal(c, ids, 60_000);
  tenant.stop();
  for (const id of ids) assert.equal(events.get(id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  const late = all.slice(drainingFrom).filter((e) => e.state === 'JOB_STATE_RUNNING' && e.workerId === 'drain-a');
  assert.deepEqual(late, [], 'no batch started on it once it was draining');
  assert.ok(all.some((e) => e.state === 'JOB_STATE_SUCCEEDED' && e.workerId === 'drain-a'), 'what it held finished there');
});
