import { test } from 'node:test';
import assert from 'node:assert/strict';
import { packTokens } from '@nightshift/proto';
import { JobClient, schedulerConfig, startScheduler } from '../src/index.js';
import { startWorkerProcess } from './helpers/processes.js';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { watchUntilFinal } from './helpers/system.js';

test("a replica runs jobs that another replica admitted into a queue it had never seen", async () => {
  const prefix = testPrefix('replicas');
  const worker = await startWorkerProcess('w1');
  const base = { listen: '127.0.0.1:0', redisUrl: REDIS_URL, prefix, logLevel: 'warn', dispatch: { discoverMs: 100 } };
  // B dispatches (it has the worker); A only admits.
  const b = await startScheduler(schedulerConfig({ ...base, workers: [{ id: 'w1', address: worker.ready.address }] }));
  const a = await startScheduler(schedulerConfig({ ...base, workers: [] }));
  const c = new JobClient(a.address, 'acme');
  try {
    const short = await c.submit({ op: 'embed', tokens: packTokens([1, 2, 3]) });
    const long = await c.submit({ op: 'embed', tokens: packTokens(new Array(5000).fill(7)) });
    assert.notEqual(short.bucket, long.bucket, 'different length buckets, so different queues');
    const events = await watchUntilFinal(c, [short.id, long.id], 30_000);
    for (const id of [short.id, long.id]) assert.equal(events.get(id)!.at(-1)?.state, 'JOB_STATE_SUCCEEDED');
    assert.equal((await c.getJob(long.id)).workerId, 'w1');
  } finally {
    c.close();
    await a.stop();
    await b.stop();
    await worker.stop();
    await dropPrefix(prefix);
  }
});
