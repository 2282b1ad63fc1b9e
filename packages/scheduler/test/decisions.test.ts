import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitsInBatch } from '../src/batching/index.js';
import { planSettlement } from '../src/dispatch/index.js';
import { encodePageToken, decodePageToken } from '../src/api/page-token.js';
import { loadSchedulerConfig } from '../src/index.js';
import { decodeEntry, encodeEntry, pendingScore } from '../src/queueing/index.js';
import { effectivePriority } from '../src/batching/index.js';

test('batch fit: padded tokens and job count bound a batch; an oversized job runs alone', () => {
  const limits = { maxBatchJobs: 4, maxPaddedTokens: 1000 };
  const table: Array<[jobs: number, longest: number, length: number, fits: boolean]> = [
    [0, 0, 5000, true], // alone, whatever its size
    [1, 100, 100, true],
    [3, 250, 250, true], // 4 × 250 = 1000
    [3, 250, 251, false], // 4 × 251 > 1000
    [1, 600, 100, false], // 2 × 600 > 1000
    [4, 10, 10, false], // a fifth job
  ];
  for (const [jobs, longest, length, fits] of table) assert.equal(fitsInBatch(jobs, longest, length, limits), fits, `${jobs} jobs, longest ${longest}, + ${length}`);
});

test('settlement: results succeed, errors retry while attempts remain, then fail', () => {
  const plan = planSettlement(
    ['a', 'b', 'c', 'd'],
    [
      { failedBefore: 0, maxAttempts: 3 },
      { failedBefore: 1, maxAttempts: 3 },
      { failedBefore: 2, maxAttempts: 3 },
      { failedBefore: 0, maxAttempts: 1 },
    ],
    {
      outcomes: [
        { jobId: 'a', outcome: 'result', result: { signature: [1, 2], vector: [] }, kernelSeconds: 0.5 },
        { jobId: 'b', outcome: 'error', error: 'boom', kernelSeconds: 0 },
        { jobId: 'c', outcome: 'error', error: 'boom', kernelSeconds: 0 },
      ],
    },
  );
  assert.equal(plan[0]!.kind, 'succeed');
  assert.deepEqual(plan[0]!.kind === 'succeed' && Array.from(plan[0]!.result), [1, 2]);
  assert.deepEqual(plan.slice(1).map((s) => s.kind), ['retry', 'fail', 'fail']);
  assert.match(plan[3]!.kind === 'fail' ? plan[3]!.error : '', /no outcome/);
  const down = planSettlement(['a', 'b'], [{ failedBefore: 0, maxAttempts: 2 }, { failedBefore: 1, maxAttempts: 2 }], { error: 'worker w1: UNAVAILABLE' });
  assert.deepEqual(down.map((s) => [s.kind, s.kind !== 'succeed' && s.error]), [['retry', 'worker w1: UNAVAILABLE'], ['fail', 'worker w1: UNAVAILABLE']]);
});

test('page tokens round-trip and refuse garbage', () => {
  const t = encodePageToken({ score: 1_795_448_644_301_123, id: 'abc' });
  assert.deepEqual(decodePageToken(t), { score: 1_795_448_644_301_123, id: 'abc' });
  for (const bad of ['', 'xyz', Buffer.from('[1]').toString('base64url'), Buffer.from('["a","b"]').toString('base64url')]) {
    assert.throws(() => decodePageToken(bad), /page_token/);
  }
});

test('pending entries round-trip, and their score orders as effective priority with aging does', () => {
  const e = { tenant: 'a.b-c_1', id: '0b6c9f7e-1f7a-4a55-9d1b-3c0f6a2f7f10', length: 812, priority: 7, queuedAt: 1_795_000_000_123, attempts: 2, maxAttempts: 3 };
  assert.deepEqual(decodeEntry(encodeEntry(e)), e);
  const now = 1_795_000_100_000;
  const jobs = [
    { id: 'old-low', priority: 0, queuedAt: now - 60_000, length: 1 },
    { id: 'new-high', priority: 10, queuedAt: now - 1_000, length: 1 },
    { id: 'new-low', priority: 0, queuedAt: now - 1_000, length: 1 },
    { id: 'mid', priority: 5, queuedAt: now - 30_000, length: 1 },
  ];
  for (const aging of [1000, 0]) {
    const byScore = [...jobs].sort((a, b) => pendingScore(a, aging) - pendingScore(b, aging)).map((j) => j.id);
    const byPriority = [...jobs].sort((a, b) => effectivePriority(b, now, aging) - effectivePriority(a, now, aging) || a.queuedAt - b.queuedAt).map((j) => j.id);
    assert.deepEqual(byScore, byPriority, `aging ${aging}`);
  }
  // With aging, a minute of waiting outranks ten steps of priority; without, it never does.
  assert.ok(pendingScore(jobs[0]!, 1000) < pendingScore(jobs[1]!, 1000));
  assert.ok(pendingScore(jobs[0]!, 0) > pendingScore(jobs[1]!, 0));
});

test('configuration: defaults, environment overrides, and every error reported with its path', () => {
  const c = loadSchedulerConfig(undefined, { REDIS_URL: 'redis://10.0.0.1:6380', NIGHTSHIFT_WORKERS: 'a=127.0.0.1:1,b=127.0.0.1:2' });
  assert.equal(c.redisUrl, 'redis://10.0.0.1:6380');
  assert.deepEqual(c.workers.map((w) => [w.id, w.address, w.maxBatchesInFlight]), [['a', '127.0.0.1:1', 2], ['b', '127.0.0.1:2', 2]]);
  assert.equal(c.batching.maxBatchJobs, 64);
  assert.throws(() => loadSchedulerConfig(undefined, { REDIS_URL: 'not a url', LOG_LEVEL: 'loud' }), (e: Error) => /redisUrl/.test(e.message) && /logLevel/.test(e.message));
  assert.throws(() => loadSchedulerConfig('/nonexistent/nightshift.yaml', {}), /cannot read config file/);
});

test('the example configuration file is valid and equals the defaults', () => {
  const file = new URL('../config/scheduler.example.yaml', import.meta.url).pathname;
  const c = loadSchedulerConfig(file, {});
  assert.equal(c.listen, '127.0.0.1:50051');
  assert.deepEqual(c.workers, [{ id: 'w1', address: '127.0.0.1:50061', maxBatchesInFlight: 2, workerClass: 'cpu', pool: 'on-demand' }]);
  const { workers: _w, ...rest } = c;
  const { workers: _d, ...defaults } = loadSchedulerConfig(undefined, {});
  assert.deepEqual(rest, defaults);
});
