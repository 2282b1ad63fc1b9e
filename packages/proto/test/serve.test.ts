import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { Registry } from 'prom-client';
import { countGrpcRequests, createLogger, listenHttp, metricsRoute, serve } from '../src/index.js';

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

function load(file: string, includeDir: string) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { includeDirs: [includeDir], keepCase: true, enums: String })) as any;
}

function healthClient(address: string) {
  const { grpc: h } = load('health/v1/health.proto', join(pkgDir('grpc-health-check'), 'proto'));
  const health = new h.health.v1.Health(address, grpc.credentials.createInsecure());
  const check = (service: string) =>
    new Promise<string>((resolve, reject) => health.Check({ service }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))));
  return { check, close: () => health.close() };
}

test('a served port answers the standard health check and lists nightshift through server reflection', async () => {
  const served = await serve('127.0.0.1:0', () => ['nightshift.v1.WorkerService']);
  const address = `127.0.0.1:${served.port}`;
  try {
    const health = healthClient(address);
    const check = health.check;
    assert.equal(await check(''), 'SERVING');
    assert.equal(await check('nightshift.v1.WorkerService'), 'SERVING');
    await assert.rejects(check('no.such.Service'), /NOT_FOUND/);

    const reflDir = join(pkgDir('@grpc/reflection'), 'build/proto');
    const { grpc: r } = load('grpc/reflection/v1/reflection.proto', reflDir);
    const refl = new r.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
    const call = refl.ServerReflectionInfo();
    const reply = await new Promise<any>((resolve, reject) => {
      call.on('data', resolve);
      call.on('error', reject);
      call.write({ list_services: '' });
    });
    call.end();
    const names = reply.list_services_response.service.map((s: { name: string }) => s.name);
    for (const n of ['nightshift.v1.JobService', 'nightshift.v1.WorkerService']) assert.ok(names.includes(n), `${n} in ${names}`);
    health.close();
    refl.close();
  } finally {
    await served.shutdown(100);
  }
});

test('GET /metrics counts every gRPC call the server answers, by service, method and status', async () => {
  const registry = new Registry();
  const served = await serve('127.0.0.1:0', () => ['nightshift.v1.WorkerService'], undefined, { interceptors: [countGrpcRequests(registry)] });
  const http = await listenHttp('127.0.0.1:0', { '/metrics': metricsRoute(registry) }, createLogger('test', 'silent'));
  const health = healthClient(`127.0.0.1:${served.port}`);
  try {
    assert.equal(await health.check(''), 'SERVING');
    assert.equal(await health.check('nightshift.v1.WorkerService'), 'SERVING');
    await assert.rejects(health.check('no.such.Service'), /NOT_FOUND/);
    const res = await fetch(`http://${http.address}/metrics`);
    assert.equal(res.status, 200);
    const page = await res.text();
    assert.match(page, /^nightshift_grpc_requests_total\{service="grpc.health.v1.Health",method="Check",code="OK"\} 2$/m);
    assert.match(page, /^nightshift_grpc_requests_total\{service="grpc.health.v1.Health",method="Check",code="NOT_FOUND"\} 1$/m);
    assert.equal((await fetch(`http://${http.address}/elsewhere`)).status, 404);
    assert.equal((await fetch(`http://${http.address}/metrics`, { method: 'POST' })).status, 405);
  } finally {
    health.close();
    await http.close();
    await served.shutdown(100);
  }
});
