import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { serve } from '../src/index.js';

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));

function load(file: string, includeDir: string) {
  return grpc.loadPackageDefinition(protoLoader.loadSync(file, { includeDirs: [includeDir], keepCase: true, enums: String })) as any;
}

test('a served port answers the standard health check and lists nightshift through server reflection', async () => {
  const served = await serve('127.0.0.1:0', () => ['nightshift.v1.WorkerService']);
  const address = `127.0.0.1:${served.port}`;
  try {
    const healthDir = join(pkgDir('grpc-health-check'), 'proto');
    const { grpc: h } = load('health/v1/health.proto', healthDir);
    const health = new h.health.v1.Health(address, grpc.credentials.createInsecure());
    const check = (service: string) =>
      new Promise<string>((resolve, reject) => health.Check({ service }, (err: Error | null, res: { status: string }) => (err ? reject(err) : resolve(res.status))));
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
