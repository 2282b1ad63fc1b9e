// Issue 26, part 8: a worker's RunBatch answered anyone who could reach it, without mutual TLS.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { DISPATCH_SECRET_HEADER, hashDispatchSecret, loadNightshift, packTokens, type RunBatchRequest } from '@nightshift/proto';
import { startWorkerProcess } from './helpers/processes.js';
import { startSystem, watchUntilFinal } from './helpers/system.js';

const stops: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const s of stops.reverse()) await s();
});

/** One RunBatch straight to a worker, as an outsider would send it: the status code it got. */
function runBatch(address: string, secret?: string): Promise<grpc.status> {
  const Client = loadNightshift().grpcObject.nightshift.v1.WorkerService;
  const client = new Client(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (secret !== undefined) metadata.set(DISPATCH_SECRET_HEADER, secret);
  const request: RunBatchRequest = { batchId: 'outsider', op: 'minhash', jobIds: ['j1'], tokens: packTokens(Uint32Array.of(1, 2, 3)), offsets: [0, 3] };
  return new Promise((resolve) =>
    client.runBatch(request, metadata, { deadline: Date.now() + 10_000 }, (err) => {
      client.close();
      resolve(err ? err.code : grpc.status.OK);
    }),
  );
}

test('a worker with a dispatch secret answers RunBatch only with it, and takes batches from a scheduler that sends it', async () => {
  const secret = randomBytes(24).toString('base64url');
  const system = await startSystem('sec-runbatch', {
    workers: 1,
    workerEnv: { NIGHTSHIFT_KERNELS: 'ts', NIGHTSHIFT_DISPATCH_SECRET_SHA256: hashDispatchSecret(secret) },
    config: { dispatchSecret: secret },
  });
  stops.push(() => system.stop());
  const worker = system.workers[0]!.ready.address;

  assert.equal(await runBatch(worker), grpc.status.UNAUTHENTICATED, 'no secret');
  assert.equal(await runBatch(worker, 'not-the-secret'), grpc.status.UNAUTHENTICATED, 'a wrong secret');
  assert.equal(await runBatch(worker, `${secret}x`), grpc.status.UNAUTHENTICATED, 'a longer one');
  // The request itself is fine: with the secret, the worker runs it.
  assert.equal(await runBatch(worker, secret), grpc.status.OK, 'the secret');

  // Through a real scheduler, which sends the secret with every batch.
  const client = system.client('acme');
  const job = await client.submit({ op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 64 }, (_, i) => i * 13 + 1)) });
  const events = await watchUntilFinal(client, [job.id], 30_000);
  assert.equal(events.get(job.id)!.at(-1)!.state, 'JOB_STATE_SUCCEEDED');
});

test('a worker listening beyond loopback with neither mutual TLS nor a dispatch secret refuses to start', async () => {
  // It stops at its config, before it binds: nothing listens on 0.0.0.0. (Were it to start, it is stopped at once.)
  const starting = startWorkerProcess('open-worker', { NIGHTSHIFT_KERNELS: 'ts', NIGHTSHIFT_WORKER_LISTEN: '0.0.0.0:0' });
  starting.then((w) => w.stop(), () => undefined);
  await assert.rejects(starting, (err: Error) => {
    assert.match(err.message, /exited with 2 before it was ready/);
    assert.match(err.message, /dispatchSecretSha256/);
    assert.match(err.message, /tls\.clientCa/);
    assert.match(err.message, /allowUnauthenticatedDispatch/);
    return true;
  });
});
