import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, packTokens } from '@nightshift/proto';
import { startSystem, watchUntilFinal } from './helpers/system.js';
import { startWorkerProcess } from './helpers/processes.js';
import { FakeKubeApi } from './helpers/fake-kube-api.js';

const cleanups: Array<() => Promise<unknown>> = [];
const dir = mkdtempSync(join(tmpdir(), 'ns-k8s-'));
after(async () => {
  for (const c of cleanups.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting until ${what}`);
    await sleep(50);
  }
}

// No Kubernetes cluster can run here: discovery is tested against FakeKubeApi, a small local HTTP
// server that speaks the list and watch protocol for pods, with the real @kubernetes/client-node
// (its informer) on the other end, as in a cluster.
test('Kubernetes discovery: Ready pods join, unready and deleted ones leave, a dropped or failed watch is resumed, and a pod that registers itself is one worker', async () => {
  const api = new FakeKubeApi('nightshift');
  await api.start();
  cleanups.push(() => api.stop());
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, api.kubeconfig());

  // Real workers, named as their pods are (the downward API gives a worker its pod's name).
  const [a, b] = await Promise.all([startWorkerProcess('pod-a'), startWorkerProcess('pod-b')]);
  cleanups.push(() => Promise.all([a!.stop(), b!.stop()]));
  const port = (w: typeof a) => Number(w!.ready.address.split(':').pop());
  const worker = { 'app.kubernetes.io/component': 'nightshift-worker' };
  api.put('pod-a', worker, { ready: true, ip: '127.0.0.1', port: port(a) });
  api.put('pod-b', worker, { ready: false, ip: '127.0.0.1', port: port(b) });
  api.put('web-1', { app: 'web' }, { ready: true, ip: '127.0.0.1', port: 1 });

  const sys = await startSystem('discovery', {
    workers: 0,
    config: { registry: { syncMs: 100, kubernetes: { enabled: true, kubeconfig, labelSelector: 'app.kubernetes.io/component=nightshift-worker' } } },
  });
  cleanups.push(() => sys.stop());
  const fleet = () => sys.scheduler.fleet().map((w) => w.id).sort().join(',');
  await until(() => fleet() === 'pod-a', 'the Ready worker pod is in the fleet, and only it');
  const c = sys.client();
  let runs = 0;
  const run = async () => {
    // Each job its own content, so that it runs rather than coming from the result cache.
    const j = await c.submit({ op: 'embed', tokens: packTokens(Uint32Array.from({ length: 300 }, (_, i) => i + 1 + runs++)) });
    const e = (await watchUntilFinal(c, [j.id])).get(j.id)!.at(-1)!;
    assert.equal(e.state, 'JOB_STATE_SUCCEEDED');
    return e.workerId;
  };
  assert.equal(await run(), 'pod-a');

  api.put('pod-b', worker, { ready: true, ip: '127.0.0.1', port: port(b) });
  await until(() => fleet() === 'pod-a,pod-b', 'pod-b joins once Ready');

  // The server ends the watch; pod-a is deleted before the client is back. The informer resumes from
  // its resource version (no second list) and still sees the deletion.
  const lists = api.requests.filter((r) => !r.watch).length;
  await until(() => api.openWatches === 1, 'the watch is open');
  api.dropWatches();
  api.remove('pod-a');
  await until(() => fleet() === 'pod-b', 'the deleted pod leaves the fleet');
  assert.equal(api.requests.filter((r) => !r.watch).length, lists, 'resumed without listing again');
  const resumed = api.requests.filter((r) => r.watch).at(-1)!;
  assert.ok(Number(resumed.resourceVersion) > 1, `resumed from resource version ${resumed.resourceVersion}`);
  assert.equal(await run(), 'pod-b');

  // The watch fails outright (500) twice: discovery starts it again after a backoff, and still sees changes.
  api.failWatches(2);
  api.dropWatches();
  await sleep(100);
  api.put('pod-a', worker, { ready: true, ip: '127.0.0.1', port: port(a) });
  await until(() => fleet() === 'pod-a,pod-b', 'a pod that came back while the watch was failing');

  // pod-b registers itself as well: one worker, not two.
  const Registry = loadNightshift().grpcObject.nightshift.v1.RegistryService;
  const raw = new Registry(sys.scheduler.address, grpc.credentials.createInsecure());
  cleanups.push(async () => raw.close());
  await new Promise<void>((resolve, reject) =>
    raw.register(
      { worker: { id: 'pod-b', address: b!.ready.address, workerClass: 'cpu', pool: 'on-demand', ops: ['embed'], backend: 'native', maxPaddedTokens: '1000000', maxBatchesInFlight: 2 } },
      (err) => (err ? reject(err) : resolve()),
    ),
  );
  await sleep(300);
  assert.equal(fleet(), 'pod-a,pod-b', 'pod-b counted once');

  // Not Ready any more: it leaves (its self-registration keeps it, so that goes first).
  await new Promise<void>((resolve) => raw.deregister({ workerId: 'pod-b' }, () => resolve()));
  api.put('pod-b', worker, { ready: false, ip: '127.0.0.1', port: port(b) });
  await until(() => sys.scheduler.fleet().every((w) => w.draining || w.id !== 'pod-b'), 'pod-b takes no new work');
});
