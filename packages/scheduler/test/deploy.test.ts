import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { loadSchedulerConfig } from '../src/index.js';
import { loadWorkerConfig } from '@nightshift/worker';
import { hashDispatchSecret } from '@nightshift/proto';
import { SCHEDULER_NODE_FLAGS } from '@nightshift/devtools';

const deploy = fileURLToPath(new URL('../../../deploy', import.meta.url));
const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: any; data?: Record<string, string>; rules?: any[]; roleRef?: any; subjects?: any[] };

function render(overlay: string): Obj[] {
  const out = execFileSync('kubectl', ['kustomize', join(deploy, 'overlays', overlay)], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}

const workers = (objs: Obj[]) => objs.filter((o) => o.kind === 'Deployment' && o.spec.template.metadata.labels['app.kubernetes.io/component'] === 'nightshift-worker');
const env = (container: any, name: string) => container.env.find((e: any) => e.name === name);

test('every deploy/ overlay renders with kubectl kustomize, and holds what it promises', { skip: !kubectl && 'kubectl is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-deploy-'));
  try {
    for (const overlay of ['dev', 'gpu', 'spot']) {
      const objs = render(overlay);
      const named = (kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
      for (const o of objs) if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, 'nightshift', `${overlay}: ${o.kind}/${o.metadata.name} in the namespace`);

      // Redis keeps what it is told (AOF on a volume), unless an external one is used.
      const redis = named('StatefulSet', 'nightshift-redis')!;
      assert.ok(redis.spec.template.spec.containers[0].args.includes('--appendonly'));
      assert.equal(redis.spec.volumeClaimTemplates[0].metadata.name, 'data');

      // The scheduler: gRPC probes, its config valid for the real schema, its service account allowed exactly the pod watch.
      const scheduler = named('Deployment', 'nightshift-scheduler')!;
      assert.equal(scheduler.spec.replicas, overlay === 'dev' ? 1 : 2);
      const sc = scheduler.spec.template.spec.containers[0];
      assert.equal(sc.readinessProbe.grpc.port, 50051);
      assert.equal(env(sc, 'NIGHTSHIFT_METRICS_LISTEN').value, `0.0.0.0:${scheduler.spec.template.metadata.annotations['prometheus.io/port']}`);
      assert.ok(named('Service', 'nightshift-scheduler')!.spec.ports.some((p: { name: string }) => p.name === 'metrics'), 'the dashboard can be port-forwarded');
      assert.ok(sc.resources.requests.cpu && sc.resources.limits.memory);
      // The dispatch secret: the scheduler sends it, the workers check its SHA-256, both from one Secret.
      const dispatch = named('Secret', 'nightshift-dispatch')!;
      const secretData = (dispatch as Obj & { stringData: Record<string, string> }).stringData;
      assert.deepEqual(env(sc, 'NIGHTSHIFT_DISPATCH_SECRET').valueFrom.secretKeyRef, { name: dispatch.metadata.name, key: 'secret' });
      assert.equal(hashDispatchSecret(secretData.secret!), secretData.sha256);
      const cm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === scheduler.spec.template.spec.volumes[0].configMap.name)!;
      const file = join(dir, `${overlay}-scheduler.yaml`);
      writeFileSync(file, cm.data!['scheduler.yaml']!);
      const config = loadSchedulerConfig(file, {});
      assert.equal(config.registry.kubernetes.enabled, true);
      const role = named('Role', 'nightshift-pod-watch')!;
      assert.deepEqual(role.rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);
      const binding = named('RoleBinding', 'nightshift-pod-watch')!;
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: scheduler.spec.template.spec.serviceAccountName, namespace: 'nightshift' }]);

      // Workers: found by the scheduler's selector, registering themselves under their pod's name.
      const selector = Object.fromEntries(config.registry.kubernetes.labelSelector.split(',').map((kv) => kv.split('=')));
      assert.ok(workers(objs).length >= 1);
      for (const w of workers(objs)) {
        const labels = w.spec.template.metadata.labels;
        for (const [k, v] of Object.entries(selector)) assert.equal(labels[k], v, `${overlay}: ${w.metadata.name} carries ${k}=${v}`);
        const c = w.spec.template.spec.containers[0];
        assert.deepEqual(env(c, 'NIGHTSHIFT_WORKER_ID').valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
        assert.equal(env(c, 'NIGHTSHIFT_SCHEDULER').value, 'nightshift-scheduler:50051');
        assert.equal(env(c, 'NIGHTSHIFT_WORKER_POOL').value, labels['nightshift.dev/pool']);
        assert.equal(c.readinessProbe.grpc.port, 50061);
        // It listens beyond loopback, so it must check the dispatch secret the schedulers send (or it would not start).
        assert.deepEqual(env(c, 'NIGHTSHIFT_DISPATCH_SECRET_SHA256').valueFrom.secretKeyRef, { name: dispatch.metadata.name, key: 'sha256' });
        const workerEnv = { NIGHTSHIFT_WORKER_LISTEN: env(c, 'NIGHTSHIFT_WORKER_LISTEN').value, NIGHTSHIFT_DISPATCH_SECRET_SHA256: secretData.sha256! };
        assert.equal(loadWorkerConfig(undefined, workerEnv).dispatchSecretSha256, secretData.sha256);
        // Prometheus scrapes the port the worker serves /metrics on.
        const metricsPort = Number(env(c, 'NIGHTSHIFT_WORKER_METRICS_LISTEN').value.split(':')[1]);
        assert.equal(w.spec.template.metadata.annotations['prometheus.io/scrape'], 'true', `${overlay}: ${w.metadata.name} is scraped`);
        assert.equal(Number(w.spec.template.metadata.annotations['prometheus.io/port']), metricsPort);
        assert.ok(c.ports.some((p: { name: string; containerPort: number }) => p.name === 'metrics' && p.containerPort === metricsPort));
        if (overlay !== 'dev') {
          assert.equal(c.resources.limits['nvidia.com/gpu'], '1', `${overlay}: ${w.metadata.name} requests a GPU`);
          assert.equal(w.spec.template.spec.nodeSelector['nvidia.com/gpu.present'], 'true');
          assert.equal(env(c, 'NIGHTSHIFT_WORKER_CLASS').value, 'h100');
        } else {
          assert.equal(c.resources.limits['nvidia.com/gpu'], undefined);
        }
      }
      if (overlay === 'spot') {
        const spot = workers(objs).find((w) => w.spec.template.metadata.labels['nightshift.dev/pool'] === 'spot')!;
        assert.ok(spot, 'a spot worker pool');
        assert.ok(spot.spec.template.spec.tolerations.some((t: any) => t.key === 'cloud.google.com/gke-spot'));
        const wcm = objs.find((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nightshift-worker-spot')!;
        const wfile = join(dir, 'spot-worker.yaml');
        writeFileSync(wfile, wcm.data!['worker.yaml']!);
        assert.ok(loadWorkerConfig(wfile, {}).drainSeconds < spot.spec.template.spec.terminationGracePeriodSeconds, 'hands back before the kubelet kills it');
      }
      // Autoscaling and the nightly run, except on dev.
      assert.equal(Boolean(named('ScaledObject', 'nightshift-worker')), overlay !== 'dev');
      const cron = named('CronJob', 'nightshift-nightly-pipeline');
      assert.equal(Boolean(cron), overlay !== 'dev');
      if (cron) {
        assert.equal(cron.spec.concurrencyPolicy, 'Forbid');
        // It runs the package's `nightshift` bin, as the scheduler image holds it.
        const bin = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { bin: Record<string, string> }).bin.nightshift!;
        const run = cron.spec.jobTemplate.spec.template.spec.containers[0].args.join(' ');
        assert.ok(run.includes(`node /app/${bin.replace(/^\.\//, '')} `) && run.includes('pipeline run /corpus'), run);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the scheduler image runs node with the flags the tests and benchmarks run it with', () => {
  const dockerfile = readFileSync(join(deploy, 'docker', 'scheduler.Dockerfile'), 'utf8');
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile);
  assert.ok(entry, 'an ENTRYPOINT in exec form');
  assert.deepEqual(JSON.parse(entry[1]!), ['node', ...SCHEDULER_NODE_FLAGS, '/app/dist/main.js']);
});
