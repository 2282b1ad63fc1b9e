import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { createLogger, packTokens, type JobSpec } from '@nightshift/proto';
import { schedulerConfig, JobClient, ManualClock } from '../src/index.js';
import { Alerts, Guardrails } from '../src/guardrails/index.js';
import { CostModels } from '../src/pricing/index.js';
import { Keys } from '../src/jobs/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { startService } from '@nightshift/devtools';
import { dropPrefix, REDIS_URL, testPrefix } from './helpers/redis.js';
import { refusal } from './helpers/refusal.js';

const systems: TestSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

/** $36 an hour: a 1,000-token embed job is quoted at a few millionths of a dollar. */
const pricing = { classes: { cpu: { 'on-demand': 36 } } };
const job = (n: number, extra: Partial<JobSpec> = {}): JobSpec => ({ op: 'embed', tokens: packTokens(new Uint32Array(n).fill(7)), ...extra });


test('50 concurrent clients against one budget never overspend it by more than one job', async () => {
  const probe = await startSystem('budget-probe', { workers: 0, config: { pricing } });
  systems.push(probe);
  const price = (await probe.client().quote(job(1000))).windows[0]!.price;
  // Room for 40 jobs and a half; 50 clients try 4 each.
  const budget = price * 40.5;
  const sys = await startSystem('budget', { workers: 0, config: { pricing, limits: { defaults: { budget } } } });
  systems.push(sys);
  const clients = Array.from({ length: 50 }, () => sys.client('acme'));
  const outcomes = await Promise.all(
    clients.flatMap((c) => [0, 1, 2, 3].map(() => c.submit(job(1000)).then(() => 'ok' as const, (e: grpc.ServiceError) => e))),
  );
  const admitted = outcomes.filter((o) => o === 'ok').length;
  const refused = outcomes.filter((o): o is grpc.ServiceError => o !== 'ok');
  assert.equal(admitted, 40, `admitted ${admitted} at $${price} each within $${budget}`);
  for (const e of refused) {
    assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(e.details, /tenant acme's budget for \d{4}-\d\d-\d\d is \$.*: spent \$.* and reserved \$.*; this job's \$.* would pass it by \$/);
    assert.ok(Number(e.metadata.get('retry-after')[0]) > 0, 'retry after the period ends');
  }
  const usage = await clients[0]!.getUsage();
  assert.ok(usage.current!.reserved <= budget && usage.current!.reserved > budget - price, `reserved $${usage.current!.reserved}`);
  assert.equal(Number(usage.current!.jobs), 40);
  assert.equal(Number(usage.current!.tokens), 40_000);
});

test('a tenant token rate holds across two scheduler processes sharing Redis', async () => {
  const prefix = testPrefix('rate');
  const config = join(mkdtempSync(join(tmpdir(), 'ns-rate-')), 'scheduler.yaml');
  writeFileSync(config, 'limits:\n  tenants:\n    acme: { tokensPerMinute: 12000 }\n');
  const env = { REDIS_URL, NIGHTSHIFT_PREFIX: prefix, NIGHTSHIFT_LISTEN: '127.0.0.1:0', LOG_LEVEL: 'error' };
  const [a, b] = await Promise.all([startService('scheduler', env, ['--config', config]), startService('scheduler', env, ['--config', config])]);
  const [ca, cb] = [new JobClient(a.ready.address, 'acme'), new JobClient(b.ready.address, 'acme')];
  const other = new JobClient(a.ready.address, 'other');
  try {
    const t0 = Date.now();
    const tries = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? ca : cb).submit(job(1000)).then(() => true, (e: grpc.ServiceError) => e)));
    const elapsed = Date.now() - t0;
    const admittedTokens = tries.filter((t) => t === true).length * 1000;
    // The bucket holds one minute's worth, and refills at 200 tokens a second meanwhile.
    assert.ok(admittedTokens >= 12_000 && admittedTokens <= 12_000 + Math.ceil((elapsed / 1000) * 200) + 1000, `${admittedTokens} tokens admitted in ${elapsed} ms`);
    const e = tries.find((t): t is grpc.ServiceError => t !== true)!;
    assert.equal(e.code, grpc.status.RESOURCE_EXHAUSTED);
    assert.match(e.details, /tenant acme is limited to 12000 tokens a minute: this job's 1000 tokens must wait \d+\.\d s/);
    const wait = Number(e.metadata.get('retry-after')[0]);
    assert.ok(wait >= 1 && wait <= 6, `retry-after ${wait} s`);
    // Another tenant is not held by acme's rate.
    await other.submit(job(1000));
  } finally {
    for (const c of [ca, cb, other]) c.close();
    await Promise.all([a.stop(), b.stop()]);
    await dropPrefix(prefix);
  }
});

test('budget periods roll over; cancel and failure release reservations; max_cost and per-tenant length are enforced', async () => {
  const clock = new ManualClock(Date.UTC(2026, 10, 23, 23, 0));
  const probe = await startSystem('period-probe', { workers: 0, config: { pricing } });
  systems.push(probe);
  // minhash never runs in this test, so its quotes stay at the prior.
  const price = (await probe.client().quote({ ...job(1000), op: 'minhash' })).windows[0]!.price;
  // A worker that refuses attention above 100 tokens: a job that fails on it.
  const workerConfig = join(mkdtempSync(join(tmpdir(), 'ns-guard-')), 'worker.yaml');
  writeFileSync(workerConfig, 'limits:\n  maxSequenceLength:\n    attention: 100\n');
  const sys = await startSystem('period', {
    workers: 1,
    workerArgs: ['--config', workerConfig],
    clock,
    config: {
      pricing,
      limits: { defaults: { budget: 1, budgetPeriod: 'day', maxTokensPerJob: 5000 }, tenants: { tight: { budget: price * 2.5 } } },
    },
  });
  systems.push(sys);
  const c = sys.client('acme');
  // max_cost below the quote: refused, saying by how much.
  const tooDear = await refusal(c.submit({ ...job(1000), op: 'minhash', maxCost: price / 2 }));
  assert.equal(tooDear.code, grpc.status.FAILED_PRECONDITION);
  assert.match(tooDear.details, /^job\.max_cost: quoted \$\S+ \(on-demand\), above its max_cost of \$\S+ by \$\S+$/);
  // The tenant's own length limit (5,000) under the global one.
  const tooLong = await refusal(c.submit(job(6000)));
  assert.equal(tooLong.code, grpc.status.INVALID_ARGUMENT);
  assert.match(tooLong.details, /6000 tokens, above the limit of 5000 per job/);

  // Finished work is spent and holds no reservation; so is failed work.
  const done = [await c.submit(job(1000)), await c.submit(job(1000))];
  const failing = await c.submit({ op: 'attention', tokens: packTokens(new Uint32Array(200)), maxAttempts: 1 });
  await watchUntilFinal(c, [...done, failing].map((j) => j.id));
  assert.equal((await c.getJob(failing.id)).state, 'JOB_STATE_FAILED');
  const day1 = await c.getUsage();
  assert.equal(day1.current!.period, '2026-11-23');
  assert.ok(day1.current!.spent > 0, 'settled work is spent');
  assert.ok(Math.abs(day1.current!.reserved) < 1e-12, `nothing reserved once finished or failed: ${day1.current!.reserved}`);
  assert.equal(Number(day1.current!.jobs), 3);

  // An hour later it is the next day: a new period, yesterday's still readable.
  clock.advance(3_600_000);
  const day2 = await c.getUsage();
  assert.equal(day2.current!.period, '2026-11-24');
  assert.equal(day2.current!.spent, 0);
  assert.equal(day2.previous!.period, '2026-11-23');
  assert.equal(day2.previous!.spent, day1.current!.spent);

  // With no worker, reservations stay held: two fill tight's budget, a third is refused, a cancel makes room.
  await sys.workers[0]!.stop();
  const t = sys.client('tight');
  const minhash = () => t.submit({ ...job(1000), op: 'minhash' });
  const held = [await minhash(), await minhash()];
  const over = await refusal(minhash());
  assert.equal(over.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(over.details, /tenant tight's budget for 2026-11-24 is \$\S+: spent \$0\.00+ and reserved \$\S+; this job's \$\S+ would pass it by \$\S+/);
  await t.cancelJob(held[0]!.id);
  const afterCancel = await t.getUsage();
  assert.ok(Math.abs(afterCancel.current!.reserved - price) < price * 1e-6, `one reservation left: ${afterCancel.current!.reserved} vs ${price}`);
  await minhash();
  await assert.rejects(minhash(), /RESOURCE_EXHAUSTED/);
  // The next day the whole budget is there again.
  clock.advance(86_400_000);
  await minhash();
  await minhash();
});

test('budget alerts fire once per threshold and period, to the log count and the webhook; a bad cost model raises one alert a day', async () => {
  const received: Array<Record<string, unknown>> = [];
  let failFirst = true;
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      // The first delivery fails: the alert is retried.
      if (failFirst) {
        failFirst = false;
        res.writeHead(503).end();
        return;
      }
      received.push(JSON.parse(body) as Record<string, unknown>);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/alerts`;
  const prefix = testPrefix('alerts');
  const redis = new Redis(REDIS_URL);
  const cleanup: Array<() => void> = [];
  try {
    const config = schedulerConfig({ prefix, pricing, limits: { defaults: { budget: 1 }, alerts: { webhookUrl: url, modelError: 0.3 } } });
    const log = createLogger('test', 'silent');
    const alerts = new Alerts(log, url, 50);
    const keys = new Keys(prefix);
    const guard = new Guardrails(config, redis, keys, { now: () => Date.now() }, alerts);
    const ledger = keys.ledger('acme', guard.period('acme').id);
    // Spend and reservations rise past 50%, 80% and 100%, with checks in between and after.
    for (const [spent, reserved] of [[0.2, 0.1], [0.4, 0.15], [0.5, 0.2], [0.7, 0.3], [0.9, 0.4], [1.2, 0]]) {
      await redis.hset(ledger, 'spent', spent!, 'reserved', reserved!);
      await Promise.all([guard.checkBudget('acme'), guard.checkBudget('acme')]);
    }
    assert.equal(alerts.count('budget'), 3);
    // A model whose predictions keep missing by a factor of two or more.
    const modelRedis = redis.duplicate();
    cleanup.push(() => modelRedis.disconnect());
    const models = new CostModels(modelRedis, prefix, { ...config.pricing, forgetting: 0.5 }, log, (op, cls, state) => void guard.checkModel(op, cls, state));
    for (let i = 0; i < 30; i++) await models.learn('embed', 'cpu', { paddedTokens: 64_000, maxLength: 1000 }, i % 2 ? 0.01 : 1);
    // The checks run after each learn, unawaited: wait for the alert, then a little for any repeat.
    for (const until = Date.now() + 10_000; alerts.count('model_error') === 0 && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(alerts.count('model_error'), 1);
    const [report] = await models.report();
    assert.ok(report!.mape! > 0.3 && report!.batches === 30, `reported error ${report!.mape}`);
    await alerts.flush();
    const budgetHooks = received.filter((r) => r.alert === 'budget').map((r) => r.threshold);
    assert.deepEqual(budgetHooks.sort(), [0.5, 0.8, 1], 'each threshold reached the webhook once, the failed delivery retried');
    assert.equal(received.filter((r) => r.alert === 'model_error').length, 1);
  } finally {
    for (const f of cleanup) f();
    redis.disconnect();
    hook.close();
    await dropPrefix(prefix);
  }
});

test('the global queue limit answers RESOURCE_EXHAUSTED once the pending jobs reach it (counted once a second)', async () => {
  // The whole queue for one tenant (tenantQueueShare 1): the global limit is what is tested here.
  const sys = await startSystem('queue-limit', { workers: 0, config: { limits: { maxQueuedJobs: 5, tenantQueueShare: 1 } } });
  systems.push(sys);
  const c = sys.client('acme');
  for (let i = 0; i < 5; i++) await c.submit(job(100));
  let refused: Awaited<ReturnType<typeof refusal>> | undefined;
  let admitted = 5;
  for (const deadline = Date.now() + 5_000; !refused && Date.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 250));
    try {
      await c.submit(job(100));
      admitted++;
    } catch {
      refused = await refusal(c.submit(job(100)));
    }
  }
  assert.ok(refused, 'refused within a few seconds');
  assert.equal(refused.code, grpc.status.RESOURCE_EXHAUSTED);
  assert.match(refused.details, /^the queue holds \d+ jobs, at its limit of 5; retry once it drains$/);
  assert.ok(refused.retryAfter >= 1);
  // The count is at most a second old: a few more may slip in, never many.
  assert.ok(admitted <= 10, `${admitted} admitted against a limit of 5`);
  // Other tenants are held too: the limit is global.
  await assert.rejects(sys.client('other').submit(job(100)), /RESOURCE_EXHAUSTED/);
});
