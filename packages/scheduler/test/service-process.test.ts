import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packTokens } from '@nightshift/proto';
import { fileURLToPath } from 'node:url';
import { startService } from '@nightshift/devtools';
import { JobClient } from '../src/index.js';
import { startWorkerProcess } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));

test('an invalid configuration stops a service at start with exit code 2 and every bad field named', () => {
  const run = spawnSync(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', 'packages/scheduler/src/main.ts'], {
    cwd: root,
    env: { ...process.env, REDIS_URL: 'nope', NIGHTSHIFT_WORKERS: 'w1=', LOG_LEVEL: 'chatty' },
    encoding: 'utf8',
  });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /nightshift-scheduler: invalid configuration/);
  for (const field of ['redisUrl', 'workers.0.address', 'logLevel']) assert.match(run.stderr, new RegExp(`  ${field.replace('.', '\\.')}: `), field);
  // Fields that are each valid but do not fit together: a longest job below the first queue's bound.
  const dir = mkdtempSync(join(tmpdir(), 'ns-config-'));
  writeFileSync(join(dir, 'scheduler.yaml'), 'jobs:\n  maxTokensPerJob: 50\n');
  const tooShort = spawnSync(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', 'packages/scheduler/src/main.ts', '--config', join(dir, 'scheduler.yaml')], { cwd: root, encoding: 'utf8' });
  rmSync(dir, { recursive: true, force: true });
  assert.equal(tooShort.status, 2, tooShort.stderr);
  assert.match(tooShort.stderr, /jobs\.maxTokensPerJob: must be at least batching\.queues\.first \(64\), not 50/);
});

test('scheduler and worker run as services and exit 0 on SIGTERM after serving', async () => {
  const prefix = testPrefix('service');
  const worker = await startWorkerProcess('w1');
  const scheduler = await startService('scheduler', {
    REDIS_URL,
    NIGHTSHIFT_PREFIX: prefix,
    NIGHTSHIFT_LISTEN: '127.0.0.1:0',
    NIGHTSHIFT_WORKERS: `w1=${worker.ready.address}`,
    LOG_LEVEL: 'warn',
  });
  try {
    const c = new JobClient(scheduler.ready.address, 'svc');
    const job = await c.submit({ op: 'embed', text: 'a service that serves' });
    for await (const _ of c.watchJobs([job.id]));
    assert.equal((await c.getJob(job.id)).state, 'JOB_STATE_SUCCEEDED');
    c.close();
    assert.equal(await scheduler.stop(), 0);
    assert.equal(await worker.stop(), 0);
  } finally {
    await scheduler.kill();
    await worker.kill();
    await dropPrefix(prefix);
  }
});

test('a scheduler told to stop lets the batches out come back and records them, exits 0, and leaves the rest queued for the next one', async () => {
  const prefix = testPrefix('drain');
  const dir = mkdtempSync(join(tmpdir(), 'ns-drain-'));
  // TypeScript kernels: a batch of two 3,000-token attention jobs takes a second or more. One batch out at a time.
  const worker = await startWorkerProcess('w1', { NIGHTSHIFT_KERNELS: 'ts' });
  const config = join(dir, 'scheduler.yaml');
  writeFileSync(config, `batching:\n  maxBatchJobs: 2\nworkers:\n  - { id: w1, address: "${worker.ready.address}", maxBatchesInFlight: 1 }\ndrainSeconds: 60\n`);
  const env = { REDIS_URL, NIGHTSHIFT_PREFIX: prefix, NIGHTSHIFT_LISTEN: '127.0.0.1:0', LOG_LEVEL: 'warn' };
  const first = await startService('scheduler', env, ['--config', config]);
  let second: Awaited<ReturnType<typeof startService>> | undefined;
  try {
    const c = new JobClient(first.ready.address, 'svc');
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push((await c.submit({ op: 'attention', tokens: packTokens(Uint32Array.from({ length: 3_000 }, (_, k) => (k * 7919 + i) % 100_000)) })).id);
    const running = new Set<string>();
    const watch = c.watchJobs(ids);
    for await (const e of watch) {
      if (e.state === 'JOB_STATE_RUNNING') running.add(e.jobId);
      if (running.size > 0) break;
    }
    watch.cancel();
    c.close();
    assert.equal(await first.stop(), 0, 'exits cleanly');

    // Read the records straight from a new scheduler: the batch out finished; nothing is lost.
    second = await startService('scheduler', env, ['--config', config]);
    const c2 = new JobClient(second.ready.address, 'svc');
    const states = await Promise.all(ids.map(async (id) => (await c2.getJob(id)).state));
    const out = ids.filter((id) => running.has(id));
    for (const id of out) assert.equal(states[ids.indexOf(id)], 'JOB_STATE_SUCCEEDED', 'the batch out came back and was recorded');
    assert.ok(states.some((s) => s === 'JOB_STATE_QUEUED'), 'the rest stayed queued');
    for await (const _ of c2.watchJobs(ids));
    for (const id of ids) assert.equal((await c2.getJob(id)).state, 'JOB_STATE_SUCCEEDED');
    c2.close();
  } finally {
    await first.kill();
    await second?.kill();
    await worker.kill();
    await dropPrefix(prefix);
    rmSync(dir, { recursive: true, force: true });
  }
});
