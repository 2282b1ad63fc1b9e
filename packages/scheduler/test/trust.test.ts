import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { channelCredentials, loadNightshift, packTokens } from '@nightshift/proto';
import { JobClient, newApiKey, schedulerConfig, startScheduler, TENANT_HEADER, type RunningScheduler } from '../src/index.js';
import { startWorkerProcess, type ServiceProcess } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { watchUntilFinal } from './helpers/system.js';

const dir = mkdtempSync(join(tmpdir(), 'ns-trust-'));
const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
  rmSync(dir, { recursive: true, force: true });
});

/** A CA and certificates it signs, made here with openssl: `name`.crt and `name`.key in dir. */
function certificates(): (file: string) => string {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  for (const ca of ['ca', 'rogue-ca']) openssl('req', '-x509', ...ec, '-keyout', f(`${ca}.key`), '-out', f(`${ca}.crt`), '-days', '1', '-subj', `/CN=${ca}`);
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const sign = (name: string, ca: string) => {
    openssl('req', ...ec, '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', `/CN=${name}`);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${ca}.crt`), '-CAkey', f(`${ca}.key`), '-CAcreateserial', '-out', f(`${name}.crt`), '-days', '1', '-extfile', f('san.ext'));
  };
  sign('server', 'ca');
  sign('scheduler-client', 'ca');
  sign('intruder', 'rogue-ca');
  return f;
}

interface Failure {
  code?: number;
  details?: string;
}

async function refused(p: Promise<unknown>, code: grpc.status, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: Failure) => {
    assert.equal(err.code, code, `${grpc.status[err.code ?? 2]}: ${err.details}`);
    if (message) assert.match(err.details ?? '', message);
    return true;
  });
}

test('API keys, tenant isolation, TLS to the scheduler and mutual TLS to the workers', async () => {
  const f = certificates();
  const keys = { acme: newApiKey('acme'), globex: newApiKey('globex'), admin: newApiKey('ops', 'admin'), worker: newApiKey('fleet', 'worker', ['tls-worker']) };
  const prefix = testPrefix('trust');
  stops.push(() => dropPrefix(prefix));
  const scheduler: RunningScheduler = await startScheduler(
    schedulerConfig({
      listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix, logLevel: 'warn',
      tls: { cert: f('server.crt'), key: f('server.key') },
      workerTls: { ca: f('ca.crt'), cert: f('scheduler-client.crt'), key: f('scheduler-client.key') },
      auth: { keys: Object.values(keys).map((k) => k.entry) },
      registry: { syncMs: 100 },
    }),
  );
  stops.push(() => scheduler.stop());

  // The worker: serves only clients with a certificate of our CA, and registers over TLS with its worker key.
  const workerConfig = join(dir, 'worker.yaml');
  writeFileSync(
    workerConfig,
    [
      `scheduler: "${scheduler.address}"`,
      `apiKey: "${keys.worker.key}"`,
      'tls:', `  cert: ${f('server.crt')}`, `  key: ${f('server.key')}`, `  clientCa: ${f('ca.crt')}`,
      'schedulerTls:', `  ca: ${f('ca.crt')}`,
    ].join('\n'),
  );
  const worker: ServiceProcess = await startWorkerProcess('tls-worker', { NIGHTSHIFT_KERNELS: 'ts' }, ['--config', workerConfig]);
  stops.push(() => worker.stop());
  for (let i = 0; i < 100 && scheduler.fleet().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
  assert.deepEqual(scheduler.fleet().map((w) => w.id), ['tls-worker'], 'the worker registered over TLS with its worker key');

  const tls = channelCredentials({ ca: f('ca.crt') });
  const client = (apiKey: string, tenant = '') => {
    const c = new JobClient(scheduler.address, tenant, { credentials: tls, apiKey });
    stops.push(async () => c.close());
    return c;
  };
  const acme = client(keys.acme.key);
  const globex = client(keys.globex.key);
  const tokens = packTokens(Uint32Array.from({ length: 200 }, (_, i) => i * 31 + 5));

  // A job goes all the way: TLS in, mutual TLS out to the worker.
  const job = await acme.submit({ op: 'minhash', tokens });
  assert.equal(job.tenant, 'acme', 'the key says who calls');
  const events = await watchUntilFinal(acme, [job.id], 30_000);
  assert.equal(events.get(job.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');

  // Another tenant's job is exactly like a missing one.
  const missing = '00000000-0000-4000-8000-000000000000';
  for (const id of [job.id, missing]) {
    const notFound = new RegExp(`^job ${id} not found$`);
    await refused(globex.getJob(id), grpc.status.NOT_FOUND, notFound);
    await refused(globex.cancelJob(id), grpc.status.NOT_FOUND, notFound);
    await refused(globex.batchGetJobs([id]), grpc.status.NOT_FOUND, notFound);
    await refused(watchUntilFinal(globex, [id], 5000), grpc.status.NOT_FOUND);
  }
  assert.deepEqual((await globex.listAllJobs()).map((j) => j.id), []);
  assert.equal(Number((await globex.getUsage()).current?.jobs ?? 0), 0, 'nor is globex billed for it');
  assert.equal(Number((await acme.getUsage()).current?.jobs), 1);
  // globex's own identical job is not answered from acme's cache.
  const own = await globex.submit({ op: 'minhash', tokens });
  assert.equal(own.cached, false);

  // Who may call what.
  await refused(client('').getJob(job.id), grpc.status.UNAUTHENTICATED, /authorization: Bearer/);
  await refused(client('ns_not-a-key').getJob(job.id), grpc.status.UNAUTHENTICATED, /unknown API key/);
  await refused(client(keys.acme.key, 'globex').getJob(job.id), grpc.status.PERMISSION_DENIED, /acts for tenant acme, not globex/);
  await refused(client(keys.worker.key).getJob(job.id), grpc.status.PERMISSION_DENIED, /worker key/);
  assert.equal((await client(keys.admin.key, 'acme').getJob(job.id)).id, job.id, 'an admin acts for the tenant it names');
  // The fleet-wide view: the admin's alone.
  const fleet = await client(keys.admin.key).getFleet();
  assert.deepEqual(fleet.workers.map((w) => [w.id, w.pool]), [['tls-worker', 'on-demand']]);
  assert.deepEqual(fleet.tenants.map((t) => [t.tenant, Number(t.current?.jobs)]), [['acme', 1], ['globex', 1]]);
  await refused(acme.getFleet(), grpc.status.PERMISSION_DENIED, /only an admin key/);
  const Registry = loadNightshift().grpcObject.nightshift.v1.RegistryService;
  const registry = new Registry(scheduler.address, tls);
  stops.push(async () => registry.close());
  const asTenant = new grpc.Metadata();
  asTenant.set('authorization', `Bearer ${keys.acme.key}`);
  asTenant.set(TENANT_HEADER, 'acme');
  await refused(
    new Promise((resolve, reject) => registry.heartbeat({ workerId: 'tls-worker' }, asTenant, (err, r) => (err ? reject(err) : resolve(r)))),
    grpc.status.PERMISSION_DENIED,
    /tenant key may not register workers/,
  );

  // Plaintext to the TLS scheduler does not connect.
  const plain = new JobClient(scheduler.address, '', { apiKey: keys.acme.key });
  stops.push(async () => plain.close());
  await refused(plain.getJob(job.id), grpc.status.UNAVAILABLE);

  // The worker takes batches only from holders of a certificate our CA signed.
  const Worker = loadNightshift().grpcObject.nightshift.v1.WorkerService;
  const runBatch = (credentials: grpc.ChannelCredentials) => {
    const c = new Worker(worker.ready.address, credentials);
    stops.push(async () => c.close());
    return new Promise((resolve, reject) => c.runBatch({ batchId: 'probe', op: 'minhash' }, { deadline: Date.now() + 5000 }, (err, r) => (err ? reject(err) : resolve(r))));
  };
  await refused(runBatch(channelCredentials({ ca: f('ca.crt'), cert: f('scheduler-client.crt'), key: f('scheduler-client.key') })), grpc.status.INVALID_ARGUMENT);
  await refused(runBatch(channelCredentials({ ca: f('ca.crt') })), grpc.status.UNAVAILABLE);
  await refused(runBatch(channelCredentials({ ca: f('ca.crt'), cert: f('intruder.crt'), key: f('intruder.key') })), grpc.status.UNAVAILABLE);
  await watchUntilFinal(globex, [own.id], 30_000);
});
