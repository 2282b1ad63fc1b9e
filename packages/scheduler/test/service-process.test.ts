import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startService } from '../src/devtools/service-process.js';
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
