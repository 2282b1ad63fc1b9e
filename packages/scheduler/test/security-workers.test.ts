// Issue 26, part 1: a worker key could take over any worker id, and a rogue worker's forged
// results went into the result cache. Replayed through real worker processes, a real scheduler
// and a rogue WorkerService that answers every batch with forged results.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, packTokens, type RunBatchRequest__Output, type RunBatchResponse, type WorkerServiceHandlers } from '@nightshift/proto';
import { JobClient, newApiKey, schedulerConfig, startScheduler, type RunningScheduler } from '../src/index.js';
import { startWorkerProcess, type ServiceProcess } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { watchUntilFinal } from './helpers/system.js';

const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
});
const redis = new Redis(REDIS_URL);
stops.push(() => redis.quit());

const FORGED = 7;
const fast = { registry: { leaseSeconds: 2, heartbeatSeconds: 1, syncMs: 100 }, jobs: { backoffMs: 100 } };
const doc = (seed: number, n = 300) => packTokens(Uint32Array.from({ length: n }, (_, i) => (seed * 7919 + i * 104_729) % 200_000));

interface Failure {
  code?: number;
  details?: string;
}

async function refused(p: Promise<unknown>, code: grpc.status, message?: RegExp): Promise<Failure> {
  let failure: Failure = {};
  await assert.rejects(p, (err: Failure) => {
    assert.equal(err.code, code, `${grpc.status[err.code ?? 2]}: ${err.details}`);
    if (message) assert.match(err.details ?? '', message);
    failure = err;
    return true;
  });
  return failure;
}

/** A WorkerService that answers every batch with forged signatures, and counts what it was sent. */
async function rogueWorker(): Promise<{ address: string; batches: RunBatchRequest__Output[] }> {
  const batches: RunBatchRequest__Output[] = [];
  const server = new grpc.Server();
  const handlers: WorkerServiceHandlers = {
    RunBatch: (call: grpc.ServerUnaryCall<RunBatchRequest__Output, RunBatchResponse>, cb: grpc.sendUnaryData<RunBatchResponse>) => {
      batches.push(call.request);
      cb(null, {
        batchId: call.request.batchId, workerId: 'rogue', backend: 'ts', kernelSeconds: 0.001,
        outcomes: call.request.jobIds.map((jobId) => ({ jobId, result: { signature: new Array(128).fill(FORGED) }, kernelSeconds: 0.001 })),
      });
    },
  };
  server.addService(loadNightshift().grpcObject.nightshift.v1.WorkerService.service, handlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
  stops.push(() => new Promise<void>((r) => server.tryShutdown(() => r())));
  return { address: `127.0.0.1:${port}`, batches };
}

/** RegistryService calls as a given key (none: no authorization header). */
function registryAs(address: string, key?: string) {
  const Registry = loadNightshift().grpcObject.nightshift.v1.RegistryService;
  const client = new Registry(address, grpc.credentials.createInsecure());
  stops.push(async () => client.close());
  const md = new grpc.Metadata();
  if (key) md.set('authorization', `Bearer ${key}`);
  const call = <T>(fn: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void) => new Promise<T>((resolve, reject) => fn((e, r) => (e ? reject(e) : resolve(r as T))));
  const info = (id: string, addr: string) => ({ id, address: addr, workerClass: 'cpu', pool: 'on-demand', ops: ['minhash'], backend: 'ts', maxPaddedTokens: '1000000', maxBatchesInFlight: 4 });
  return {
    register: (id: string, addr: string) => call<{ leaseToken: string }>((cb) => client.register({ worker: info(id, addr) }, md, cb)),
    heartbeat: (workerId: string, leaseToken = '') => call<{ known: boolean }>((cb) => client.heartbeat({ workerId, leaseToken }, md, cb)),
    deregister: (workerId: string, leaseToken = '') => call((cb) => client.deregister({ workerId, leaseToken }, md, cb)),
  };
}

async function until(check: () => Promise<boolean> | boolean, what: string, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

async function schedulerWith(name: string, config: Record<string, unknown>): Promise<{ scheduler: RunningScheduler; prefix: string }> {
  const prefix = testPrefix(name);
  stops.push(() => dropPrefix(prefix));
  const scheduler = await startScheduler(schedulerConfig({ listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix, logLevel: 'error', ...fast, ...config }));
  stops.push(() => scheduler.stop());
  return { scheduler, prefix };
}

test('a worker key reaches only the worker ids it is bound to, a live id cannot move, and only the registering process keeps or ends a lease', async () => {
  const keys = {
    acme: newApiKey('acme'), admin: newApiKey('ops', 'admin'),
    pw1: newApiKey('pw1', 'worker', ['pw1']), pw2: newApiKey('pw2', 'worker', ['pw2']), other: newApiKey('batch-fleet', 'worker', ['rogue-*']),
  };
  const { scheduler, prefix } = await schedulerWith('sec-workers', { auth: { keys: Object.values(keys).map((k) => k.entry) } });
  const workers: Record<string, ServiceProcess> = {};
  for (const id of ['pw1', 'pw2'] as const) {
    workers[id] = await startWorkerProcess(id, { NIGHTSHIFT_SCHEDULER: scheduler.address, NIGHTSHIFT_API_KEY: keys[id].key, NIGHTSHIFT_KERNELS: 'ts' });
    stops.push(() => workers[id]!.kill());
  }
  await until(() => scheduler.fleet().length === 2, 'both workers registered');
  const rogue = await rogueWorker();

  // The attack: another worker key re-registers pw1 at its own address, drains pw2, keeps pw1's lease.
  const intruder = registryAs(scheduler.address, keys.other.key);
  await refused(intruder.register('pw1', rogue.address), grpc.status.PERMISSION_DENIED, /not bound to worker id pw1/);
  await refused(intruder.deregister('pw2'), grpc.status.PERMISSION_DENIED, /not bound to worker id pw2/);
  await refused(intruder.heartbeat('pw1'), grpc.status.PERMISSION_DENIED, /not bound to worker id pw1/);
  // A tenant key, or none, is no worker at all.
  await refused(registryAs(scheduler.address, keys.acme.key).register('pw1', rogue.address), grpc.status.PERMISSION_DENIED, /tenant key/);
  await refused(registryAs(scheduler.address).register('pw1', rogue.address), grpc.status.UNAUTHENTICATED);

  // With pw1's own key (stolen, or shared by a replica gone wrong): the live id does not move,
  // and without the lease token its lease can be neither kept nor ended.
  const stolen = registryAs(scheduler.address, keys.pw1.key);
  const moved = await refused(stolen.register('pw1', rogue.address), grpc.status.ALREADY_EXISTS, /registered at 127\.0\.0\.1:\d+ .*may not move/);
  assert.ok(Number((moved as { metadata?: grpc.Metadata }).metadata?.get('retry-after')[0]) >= 1, 'retry-after says when the lease lapses');
  await refused(stolen.deregister('pw1'), grpc.status.PERMISSION_DENIED, /lease token does not match/);
  assert.equal((await stolen.heartbeat('pw1', 'a-guessed-token')).known, false, 'a heartbeat without the registration token keeps nothing');

  const registered = await redis.hgetall(`${prefix}:{registry}`);
  for (const id of ['pw1', 'pw2']) {
    const w = JSON.parse(registered[id]!) as { address: string; draining: boolean; proven: boolean };
    assert.equal(w.address, workers[id]!.ready.address, `${id} still at its own address`);
    assert.equal(w.draining, false, `${id} not drained`);
    assert.equal(w.proven, true);
  }
  assert.ok(!JSON.stringify(registered).includes(rogue.address));

  // Work still goes to the real workers only, and the admin may drain a worker without its token.
  const acme = new JobClient(scheduler.address, '', { apiKey: keys.acme.key });
  stops.push(async () => acme.close());
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push((await acme.submit({ op: 'minhash', tokens: doc(i) })).id);
  await watchUntilFinal(acme, ids, 60_000);
  for (const j of await acme.batchGetJobs(ids)) {
    assert.equal(j.state, 'JOB_STATE_SUCCEEDED');
    assert.ok(['pw1', 'pw2'].includes(j.workerId));
    assert.notEqual(j.result?.signature?.[0], FORGED);
  }
  assert.equal(rogue.batches.length, 0, 'the rogue was sent nothing, tokens included');
  await registryAs(scheduler.address, keys.admin.key).deregister('pw2');
  assert.equal(JSON.parse((await redis.hget(`${prefix}:{registry}`, 'pw2'))!).draining, true);

  // An honest worker restarted at a new address takes its id back once the old lease lapses.
  await workers.pw1!.kill();
  const again = await startWorkerProcess('pw1', { NIGHTSHIFT_SCHEDULER: scheduler.address, NIGHTSHIFT_API_KEY: keys.pw1.key, NIGHTSHIFT_KERNELS: 'ts' });
  stops.push(() => again.kill());
  await until(async () => JSON.parse((await redis.hget(`${prefix}:{registry}`, 'pw1')) ?? '{}').address === again.ready.address, 'pw1 registered again at its new address');
});

test('results from a worker whose identity is not proven are never cached; an admin purges what a worker computed', async () => {
  // Without keys (development), anyone may register: such a worker's results are used but never cached.
  const open = await schedulerWith('sec-cache-open', {});
  const rogue = await rogueWorker();
  await registryAs(open.scheduler.address).register('rogue', rogue.address);
  await until(() => open.scheduler.fleet().length === 1, 'the rogue registered');
  const tenant = new JobClient(open.scheduler.address, 'acme');
  stops.push(async () => tenant.close());
  const first = await tenant.submit({ op: 'minhash', tokens: doc(1) });
  await watchUntilFinal(tenant, [first.id], 30_000);
  assert.equal((await tenant.getJob(first.id)).workerId, 'rogue');
  const second = await tenant.submit({ op: 'minhash', tokens: doc(1) });
  assert.equal(second.cached, false, 'the forged result was not cached');
  assert.deepEqual(await redis.keys(`${open.prefix}:*cache*`), [], 'nothing cached at all');

  // With keys: pw1 is proven, its results are cached, and the admin can purge them.
  const keys = { acme: newApiKey('acme'), admin: newApiKey('ops', 'admin'), pw1: newApiKey('pw1', 'worker', ['pw1']) };
  const closed = await schedulerWith('sec-cache-purge', { auth: { keys: Object.values(keys).map((k) => k.entry) } });
  const pw1 = await startWorkerProcess('pw1', { NIGHTSHIFT_SCHEDULER: closed.scheduler.address, NIGHTSHIFT_API_KEY: keys.pw1.key, NIGHTSHIFT_KERNELS: 'ts' });
  stops.push(() => pw1.kill());
  await until(() => closed.scheduler.fleet().length === 1, 'pw1 registered');
  const acme = new JobClient(closed.scheduler.address, '', { apiKey: keys.acme.key });
  const admin = new JobClient(closed.scheduler.address, '', { apiKey: keys.admin.key });
  stops.push(async () => acme.close(), async () => admin.close());
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push((await acme.submit({ op: 'minhash', tokens: doc(10 + i) })).id);
  await watchUntilFinal(acme, ids, 30_000);
  assert.equal((await acme.submit({ op: 'minhash', tokens: doc(10) })).cached, true, 'a proven worker feeds the cache');

  await refused(acme.purgeCache('pw1'), grpc.status.PERMISSION_DENIED, /only an admin key purges the result cache/);
  await refused(admin.purgeCache('not a worker id'), grpc.status.INVALID_ARGUMENT, /^worker_id: must be/);
  assert.equal(Number((await admin.purgeCache('pw1')).removed), 3);
  const rerun = [];
  for (let i = 0; i < 3; i++) {
    const j = await acme.submit({ op: 'minhash', tokens: doc(10 + i) });
    assert.equal(j.cached, false, 'purged: computed again');
    rerun.push(j.id);
  }
  await watchUntilFinal(acme, rerun, 30_000);
  assert.equal(Number((await admin.purgeCache('pw1')).removed), 3, 'computed again, cached again, purged again');
  assert.equal(Number((await admin.purgeCache('pw1')).removed), 0, 'nothing left to purge');
});
