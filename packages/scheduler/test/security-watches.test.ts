// Issue 26, part 2: one tenant's watches and open streams stalled the scheduler (2,000 tenant-wide
// watches made a 500-job stream take 28 s; 1,000 paused readers grew it to 3.3 GB). Replayed against
// a real scheduler with small limits: the excess is refused, and a paused reader is ended, not buffered for.
import { after, test, type TestContext } from 'node:test';
import { once } from 'node:events';
import http2 from 'node:http2';
import net from 'node:net';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { packTokens, type JobEvent__Output, type SubmitStreamRequest } from '@nightshift/proto';
import { JobClient, newApiKey, schedulerConfig, startScheduler, type RunningScheduler } from '../src/index.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { startSystem, watchUntilFinal } from './helpers/system.js';

const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s().catch(() => undefined);
});

const streams = { watchesPerTenant: 20, watchesPerKey: 30, allJobsWatchesPerTenant: 4, submitStreamsPerTenant: 5, submitStreamsPerKey: 8, maxUnsentEvents: 1536, slowReaderSeconds: 0.5 };
const doc = (seed: number, n = 64) => packTokens(Uint32Array.from({ length: n }, (_, i) => (seed * 7919 + i * 104_729) % 200_000));

/** How a stream ended: its status code and message (OK for a clean end). */
function ending(stream: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown>): Promise<{ code: number; details: string }> {
  return new Promise((resolve) => {
    stream.on('error', (e: grpc.ServiceError) => resolve({ code: e.code, details: e.details }));
    stream.on('status', (s: grpc.StatusObject) => s.code === grpc.status.OK && resolve({ code: 0, details: '' }));
  });
}

/**
 * A tenant-wide WatchJobs over a bare HTTP/2 connection whose socket is paused once subscribed: a
 * client that stops reading, as an attacker's would (grpc-js's own client reads ahead into memory).
 */
async function rawWatch(address: string, tenant: string): Promise<{ resume(): Promise<{ status: number; details: string; bytes: number }> }> {
  const socket = net.connect(Number(address.split(':')[1]), '127.0.0.1');
  const session = http2.connect(`http://${address}`, { createConnection: () => socket });
  stops.push(async () => session.destroy());
  const req = session.request({ ':method': 'POST', ':path': '/nightshift.v1.JobService/WatchJobs', 'content-type': 'application/grpc', te: 'trailers', 'x-nightshift-tenant': tenant });
  req.end(Buffer.alloc(5)); // one empty WatchJobsRequest: all the tenant's jobs
  await once(req, 'response');
  socket.pause();
  let bytes = 0;
  return {
    resume: () =>
      new Promise((resolve) => {
        req.on('data', (d: Buffer) => (bytes += d.length));
        req.on('trailers', (h) => resolve({ status: Number(h['grpc-status']), details: decodeURIComponent(String(h['grpc-message'] ?? '')), bytes }));
        socket.resume();
      }),
  };
}

/** Opens a watch and says whether it was refused (RESOURCE_EXHAUSTED, with its message) or subscribed. */
async function open(client: JobClient, ids: string[] = []): Promise<{ stream: grpc.ClientReadableStream<JobEvent__Output>; refused?: string }> {
  const stream = client.watchJobs(ids);
  stream.on('data', () => undefined);
  const end = ending(stream);
  const r = await Promise.race([JobClient.subscribed(stream).then(() => undefined), end.then((s) => s)]);
  if (r && r.code !== 0) {
    assert.equal(r.code, grpc.status.RESOURCE_EXHAUSTED, `${grpc.status[r.code]}: ${r.details}`);
    return { stream, refused: r.details };
  }
  stops.push(async () => stream.cancel());
  return { stream };
}

async function schedulerWith(name: string, config: Record<string, unknown> = {}): Promise<RunningScheduler> {
  const prefix = testPrefix(name);
  stops.push(() => dropPrefix(prefix));
  const scheduler = await startScheduler(schedulerConfig({ listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix, logLevel: 'error', streams, ...config }));
  stops.push(() => scheduler.stop());
  return scheduler;
}

test('watches and SubmitStreams are capped per tenant and per key; a tenant at its cap does not hold back another', async () => {
  const keys = { acme: newApiKey('acme'), globex: newApiKey('globex'), admin: newApiKey('ops', 'admin') };
  const scheduler = await schedulerWith('sec-watch-caps', { auth: { keys: Object.values(keys).map((k) => k.entry) } });
  const client = (key: string, tenant = '') => {
    const c = new JobClient(scheduler.address, tenant, { apiKey: key });
    stops.push(async () => c.close());
    return c;
  };
  const acme = client(keys.acme.key);
  const job = await acme.submit({ op: 'minhash', tokens: doc(1) });

  // The attack: thousands of tenant-wide watches. Only allJobsWatchesPerTenant are let in.
  const wide = await Promise.all(Array.from({ length: 40 }, () => open(acme)));
  assert.equal(wide.filter((w) => !w.refused).length, 4);
  assert.match(wide.find((w) => w.refused)!.refused!, /too many open watches of all the tenant's jobs: tenant acme has 4 on this scheduler, the limit is 4/);
  // Watches of given jobs up to watchesPerTenant in all (the 4 above count).
  const byId = await Promise.all(Array.from({ length: 30 }, () => open(acme, [job.id])));
  assert.equal(byId.filter((w) => !w.refused).length, 16);
  assert.match(byId.find((w) => w.refused)!.refused!, /too many open watches: tenant acme has 20 on this scheduler, the limit is 20/);

  // Another tenant is not held back by acme's.
  const globex = client(keys.globex.key);
  assert.equal((await open(globex)).refused, undefined);

  // A closed watch gives its place back.
  wide.find((w) => !w.refused)!.stream.cancel();
  let reopened: string | undefined = 'not yet';
  for (let i = 0; i < 50 && reopened; i++) {
    await sleep(20);
    reopened = (await open(acme)).refused;
  }
  assert.equal(reopened, undefined, 'a cancelled watch frees its place');

  // Per key: an admin key acting for many tenants stops at watchesPerKey.
  const admin = await Promise.all(Array.from({ length: 40 }, (_, i) => open(client(keys.admin.key, `t${i % 10}`), [])));
  // 10 tenants × 4 tenant-wide watches would be 40; the key's 30 stop it first.
  assert.equal(admin.filter((w) => !w.refused).length, 30);
  assert.match(admin.find((w) => w.refused)!.refused!, /this API key has 30 on this scheduler, the limit is 30/);

  // SubmitStreams: submitStreamsPerTenant open at once; the next is refused, and works again once one ends.
  const held = Array.from({ length: 5 }, () => acme.raw.submitStream(acme.metadata));
  for (const s of held) stops.push(async () => s.cancel());
  // Each held stream is admitted once it answers a request.
  await Promise.all(held.map((s, i) => new Promise<void>((resolve, reject) => {
    s.once('data', () => resolve());
    s.once('error', reject);
    s.write({ requestId: String(i), job: { op: 'minhash', tokens: doc(100 + i) } } satisfies SubmitStreamRequest);
  })));
  const extra = acme.raw.submitStream(acme.metadata);
  const refusedStream = await ending(extra);
  assert.equal(refusedStream.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(refusedStream.details, /too many open SubmitStreams: tenant acme has 5 on this scheduler, the limit is 5/);
  held[0]!.end();
  await ending(held[0]!);
  const ids: string[] = [];
  await acme.submitMany([{ requestId: 'after', job: { op: 'minhash', tokens: doc(200) } }], (r) => ids.push(r.job?.id ?? assert.fail(r.error?.message)));
  assert.equal(ids.length, 1);
});

test('a reader that does not read is ended with RESOURCE_EXHAUSTED, not buffered for; readers that read get every event', async (t: TestContext) => {
  // No workers: each job makes one event (QUEUED) as it is admitted.
  const scheduler = await schedulerWith('sec-watch-slow', { streams: { ...streams, allJobsWatchesPerTenant: 8 } });
  const c = new JobClient(scheduler.address, 'acme');
  stops.push(async () => c.close());

  const paused = await rawWatch(scheduler.address, 'acme');
  const reader = c.watchJobs([]);
  let read = 0;
  reader.on('data', () => read++);
  const readerEnd = ending(reader);
  await JobClient.subscribed(reader);

  const N = 6000;
  const started = performance.now();
  let admitted = 0;
  await c.submitMany(
    Array.from({ length: N }, (_, i) => ({ requestId: String(i), job: { op: 'embed', tokens: doc(i, 16 + (i % 200)) } })),
    (r) => (r.job ? admitted++ : assert.fail(r.error?.message)),
  );
  t.diagnostic(`${N} jobs submitted in ${((performance.now() - started) / 1000).toFixed(2)} s with a paused reader and a live one`);
  assert.equal(admitted, N);
  for (let i = 0; i < 200 && read < N; i++) await sleep(50);
  assert.equal(read, N, 'the reader that reads got every event');

  // The paused reader, reading again: a few events (those the network had taken), then its status.
  const { status, details, bytes } = await Promise.race([
    paused.resume(),
    sleep(20_000).then(() => assert.fail('the paused reader was never ended: the scheduler kept buffering for it')),
  ]);
  assert.equal(status, grpc.status.RESOURCE_EXHAUSTED, `${grpc.status[status]}: ${details}`);
  assert.match(details, /watch ended: \d+ events were waiting unread \(the limit is 1536\)/);
  const late = Math.round(bytes / 60);
  assert.ok(bytes < N * 60, `the slow reader was not sent everything (${bytes} bytes, about ${late} events of ${N})`);
  t.diagnostic(`the paused reader got ${bytes} bytes (about ${late} of ${N} events) before its RESOURCE_EXHAUSTED`);

  // Its place is free again, and the live reader is still open.
  assert.equal((await open(c)).refused, undefined);
  reader.cancel();
  assert.equal((await readerEnd).code, grpc.status.CANCELLED);
});

test('a watch of given jobs is not sent other jobs: 200 open watches do not slow a stream of 500 jobs through two workers', async (t: TestContext) => {
  const sys = await startSystem('sec-watch-fanout', { workers: 2, workerEnv: { NIGHTSHIFT_KERNELS: 'ts' }, config: { logLevel: 'error', streams: { ...streams, watchesPerTenant: 256, watchesPerKey: 256 } } });
  stops.push(() => sys.stop());
  const c = sys.client('acme');
  const seed = await c.submit({ op: 'minhash', tokens: doc(1) });
  await watchUntilFinal(c, [seed.id], 30_000);
  const waiting = await c.submit({ op: 'minhash', tokens: doc(2) });
  const watches: Array<{ s: ReturnType<JobClient['watchJobs']>; count: () => number }> = [];
  for (let i = 0; i < 200; i++) {
    const s = c.watchJobs([waiting.id, seed.id]);
    let n = 0;
    s.on('data', () => n++);
    s.on('error', () => undefined);
    watches.push({ s, count: () => n });
  }
  await Promise.all(watches.map((w) => JobClient.subscribed(w.s)));
  stops.push(async () => watches.forEach((w) => w.s.cancel()));

  const started = performance.now();
  const ids: string[] = [];
  await c.submitMany(
    Array.from({ length: 500 }, (_, i) => ({ requestId: String(i), job: { op: 'minhash', tokens: doc(1000 + i, 32 + (i % 400)) } })),
    (r) => ids.push(r.job?.id ?? assert.fail(r.error?.message)),
  );
  const events = await watchUntilFinal(c, ids, 60_000);
  t.diagnostic(`500 jobs submitted and finished in ${((performance.now() - started) / 1000).toFixed(2)} s with 200 other watches open`);
  for (const id of ids) assert.equal(events.get(id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
  // Each of the 200 heard only its own two jobs: the seed's snapshot, and the waiting job's (which ran meanwhile).
  for (const w of watches) assert.ok(w.count() <= 5, `a watch of two jobs got ${w.count()} events`);
});
