import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splitByCost, jobCost } from '../src/backend/split-batch.js';
import { loadWorkerConfig } from '../src/index.js';

test('jobs are split across threads by cost, every job exactly once', () => {
  const lengths = [10, 5000, 20, 30, 4000, 1, 0, 100];
  const offsets = Uint32Array.from([0, ...lengths.map((_, i) => lengths.slice(0, i + 1).reduce((a, b) => a + b, 0))]);
  for (const op of ['minhash', 'attention'] as const) {
    const groups = splitByCost(op, offsets, 2);
    assert.equal(groups.length, 2);
    assert.deepEqual(groups.flat().sort((a, b) => a - b), lengths.map((_, i) => i));
    const load = groups.map((g) => g.reduce((s, j) => s + jobCost(op, lengths[j]!), 0));
    // The two longest jobs land on different threads.
    assert.notEqual(groups.findIndex((g) => g.includes(1)), groups.findIndex((g) => g.includes(4)), `${op}: ${JSON.stringify(groups)} loads ${load}`);
  }
  assert.deepEqual(splitByCost('embed', Uint32Array.from([0, 3]), 8), [[0]], 'no more groups than jobs');
  assert.deepEqual(splitByCost('embed', Uint32Array.from([0]), 4), [], 'an empty batch has no groups');
});

test('worker configuration: env overrides and limits', () => {
  const c = loadWorkerConfig(undefined, { NIGHTSHIFT_WORKER_ID: 'gpu-7', NIGHTSHIFT_WORKER_THREADS: '3' });
  assert.equal(c.id, 'gpu-7');
  assert.equal(c.threads, 3);
  assert.equal(c.limits.maxSequenceLength.attention, 262_144);
  assert.equal(c.limits.maxSequenceLength.minhash, 1_000_000);
  assert.equal(loadWorkerConfig(undefined, { NIGHTSHIFT_KERNELS: 'ts' }).kernels, 'ts');
  assert.throws(() => loadWorkerConfig(undefined, { NIGHTSHIFT_WORKER_THREADS: '0' }), /threads/);
  assert.equal(loadWorkerConfig(undefined, {}).metricsListen, '', 'no metrics endpoint unless asked');
  assert.equal(loadWorkerConfig(undefined, { NIGHTSHIFT_WORKER_METRICS_LISTEN: '0.0.0.0:9101' }).metricsListen, '0.0.0.0:9101');
  assert.throws(() => loadWorkerConfig(undefined, { NIGHTSHIFT_WORKER_METRICS_LISTEN: 'http://x/metrics' }), /metricsListen/);
});

test('the example worker configuration file is valid and equals the defaults', () => {
  const file = new URL('../config/worker.example.yaml', import.meta.url).pathname;
  const { id: _a, threads: _b, ...c } = loadWorkerConfig(file, {});
  const { id: _c, threads: _d, ...defaults } = loadWorkerConfig(undefined, {});
  assert.deepEqual(c, defaults);
});
