import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));

test('without the native addon the worker warns once and serves on the TypeScript kernels', async () => {
  const child = spawn(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', 'src/main.ts'], {
    cwd: pkg,
    env: { ...process.env, NIGHTSHIFT_NATIVE_ADDON: '/nonexistent/nightshift_kernels.node', NIGHTSHIFT_WORKER_LISTEN: '127.0.0.1:0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stderr! }).on('line', (l) => logs.push(JSON.parse(l) as Record<string, unknown>));
  const ready = await new Promise<string>((resolve) => createInterface({ input: child.stdout! }).once('line', resolve));
  assert.match(ready, /"ready":true/);
  child.kill('SIGTERM');
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.once('exit', (c, s) => resolve([c, s])));
  assert.equal(code, 0, `exit ${code} ${signal}: ${JSON.stringify(logs)}`);
  const warnings = logs.filter((l) => l.level === 40);
  assert.equal(warnings.length, 1, JSON.stringify(logs));
  assert.match(String(warnings[0]!.msg), /native kernels unavailable: running the TypeScript reference kernels/);
  assert.match(String(warnings[0]!.reason), /\/nonexistent\/nightshift_kernels\.node is missing/);
  assert.equal(logs.find((l) => l.msg === 'worker serving')?.backend, 'ts');
});
