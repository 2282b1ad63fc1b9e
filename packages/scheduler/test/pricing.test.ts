import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { fromTimestamp, packTokens, seededRandom } from '@nightshift/proto';
import { ERROR_WINDOW, learn, predictSeconds, priorState, type ModelState } from '../src/pricing/index.js';
import { JobClient } from '../src/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';

test('the cost model learns log-linear coefficients from batches, tracks a change, and reports its error', () => {
  const rand = seededRandom(11);
  const truth = { a: -18, b: 1.1, c: 0.3 };
  const seconds = (t: typeof truth, padded: number, longest: number) => Math.exp(t.a) * padded ** t.b * longest ** t.c * (1 + 0.05 * (rand() - 0.5));
  let s: ModelState = priorState({ a: -17, b: 1, c: 0 }, { a: 4, bc: 0.25 });
  const shape = () => {
    const longest = Math.round(64 * 2 ** (rand() * 7));
    return { paddedTokens: longest * (1 + Math.floor(rand() * 64)), maxLength: longest };
  };
  for (let i = 0; i < 400; i++) {
    const x = shape();
    s = learn(s, x, seconds(truth, x.paddedTokens, x.maxLength), 0.99);
  }
  assert.ok(Math.abs(s.theta[1] - truth.b) < 0.05 && Math.abs(s.theta[2] - truth.c) < 0.05, `fitted ${s.theta.map((v) => v.toFixed(3)).join(', ')}`);
  assert.equal(s.n, 400);
  assert.ok(s.mape >= 0 && s.mape < 0.05, `recent error ${s.mape}`);
  // The workers get twice as slow: recent batches outweigh old ones.
  const slower = { ...truth, a: truth.a + Math.log(2) };
  for (let i = 0; i < 300; i++) {
    const x = shape();
    s = learn(s, x, seconds(slower, x.paddedTokens, x.maxLength), 0.99);
  }
  const x = { paddedTokens: 64 * 1024, maxLength: 1024 };
  const ratio = predictSeconds(s, x) / seconds(slower, x.paddedTokens, x.maxLength);
  assert.ok(ratio > 0.9 && ratio < 1.1, `after the change, predicted ÷ true = ${ratio.toFixed(3)}`);
});

test('the recent error is a plain mean over the first window, forgets the prior once the model has learned, and stays high while predictions keep missing', () => {
  const rand = seededRandom(5);
  const shape = () => {
    const longest = Math.round(64 * 2 ** (rand() * 6));
    return { paddedTokens: longest * (1 + Math.floor(rand() * 32)), maxLength: longest };
  };
  const truth = (x: { paddedTokens: number }) => Math.exp(-18) * x.paddedTokens * (1 + 0.1 * (rand() - 0.5));
  // A prior e^4 (55 times) too fast: its first prediction misses by 98%, and the model learns from there.
  let s: ModelState = priorState({ a: -22, b: 1, c: 0 }, { a: 4, bc: 0.25 });
  const errors: number[] = [];
  for (let i = 0; i < ERROR_WINDOW; i++) {
    const x = shape();
    const t = truth(x);
    errors.push(Math.abs(predictSeconds(s, x) - t) / t);
    s = learn(s, x, t, 0.99);
  }
  const mean = errors.reduce((a, b) => a + b, 0) / errors.length;
  assert.ok(errors[0]! > 0.9, `the prior's miss: ${errors[0]}`);
  assert.ok(Math.abs(s.mape - mean) < 1e-12, `a plain mean over the first window: ${s.mape} against ${mean}`);
  // Seeded with the first miss alone, an exponential average would still be over the alert threshold here.
  assert.ok(s.mape < 0.5, `no alert for a model that is learning: ${s.mape}`);
  for (let i = 0; i < 3 * ERROR_WINDOW; i++) {
    const x = shape();
    s = learn(s, x, truth(x), 0.99);
  }
  assert.ok(s.mape < 0.1, `three windows later, only recent misses count: ${s.mape}`);
  // Batches that take three times, then a third of, what the model expects: the error stays high.
  for (let i = 0; i < 2 * ERROR_WINDOW; i++) {
    const x = shape();
    s = learn(s, x, Math.exp(-18) * x.paddedTokens * (i % 2 ? 3 : 1 / 3), 0.99);
  }
  assert.ok(s.mape > 0.5, `persistent misses: ${s.mape}`);
});

const systems: TestSystem[] = [];
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
});

test('a quote uses the prior at first, moves to the measured truth after batches, and every replica quotes the same', async () => {
  // A prior twenty times too slow, so that learning has somewhere to go.
  const prior = { attention: { a: -20.7 + 3, b: 1, c: 1 } };
  const config = { pricing: { prior, classes: { cpu: { 'on-demand': 3.6 } } }, batching: { maxQueueDelayMs: 2_000 } };
  // This scheduler admits and quotes but has no worker: the jobs wait, so that they form one full batch.
  const sys = await startSystem('quote', { workers: 0, config });
  systems.push(sys);
  const c = sys.client();
  const probe = { op: 'attention', tokens: packTokens(new Uint32Array(900)) };
  const first = await c.quote(probe);
  assert.equal(first.tokenCount, 900);
  const bound = Number(first.bucket.slice(2));
  const [q0] = first.windows;
  assert.equal(q0!.window, 'on-demand');
  assert.equal(q0!.workerClass, 'cpu');
  // The prior's prediction for a full batch of the bucket (64 jobs of `bound` tokens fit in 262,144).
  const jobs = Math.min(64, Math.floor(262_144 / bound));
  const expected = predictSeconds(priorState({ a: prior.attention.a, b: 1, c: 1 }, { a: 4, bc: 0.25 }), { paddedTokens: jobs * bound, maxLength: bound }) / jobs;
  assert.ok(Math.abs(q0!.predictedSeconds / expected - 1) < 1e-9, `quoted ${q0!.predictedSeconds} s, prior ${expected} s`);
  assert.ok(Math.abs(q0!.price - q0!.predictedSeconds * 0.001) < 1e-12, 'priced at $3.60 an hour');
  assert.ok(fromTimestamp(q0!.finishAt!) >= Date.now(), 'finishes in the future');
  assert.equal(q0!.modelError, -1, 'no error known before any batch');
  assert.equal(q0!.modelBatches, 0);

  // One full batch of exactly that shape runs, on a replica that has the worker, and is learned from.
  const rand = seededRandom(5);
  const ids: string[] = [];
  await c.submitMany(
    Array.from({ length: jobs }, (_, i) => ({ requestId: String(i), job: { op: 'attention', tokens: packTokens(Uint32Array.from({ length: bound }, () => Math.floor(rand() * 100_000))) } })),
    (r) => ids.push(r.job!.id),
  );
  const replica = await sys.addReplica(config);
  await watchUntilFinal(c, ids, 60_000);
  const done = await Promise.all(ids.map((id) => c.getJob(id, true)));
  assert.equal(new Set(done.map((j) => j.batchId)).size, 1, 'one full batch');
  const measured = done.reduce((s, j) => s + j.kernelSeconds, 0) / done.length;
  // This scheduler never ran a batch: its quote moves because the model in Redis did.
  let q1 = q0!;
  for (const deadline = Date.now() + 5_000; Date.now() < deadline && q1.predictedSeconds === q0!.predictedSeconds; ) {
    await new Promise((r) => setTimeout(r, 200));
    q1 = (await c.quote(probe)).windows[0]!;
  }
  assert.equal(q1.modelBatches, 1);
  assert.ok(q1.modelError > 1, `the prior missed by ${q1.modelError}: reported`);
  const off = (q: number) => Math.abs(Math.log(q / measured));
  assert.ok(off(q1.predictedSeconds) < off(q0!.predictedSeconds) / 3, `measured ${measured} s a job; quoted ${q0!.predictedSeconds} s, then ${q1.predictedSeconds} s`);

  // Each job shows the quote it was admitted with and what it cost: its share of the batch at $3.60 an hour.
  for (const j of done) {
    assert.equal(j.quote?.window, 'on-demand');
    assert.ok(j.cost > 0 && Math.abs(j.cost - done[0]!.cost) < 1e-12, 'equal shares');
  }
  const total = done.reduce((s, j) => s + j.cost, 0);
  assert.ok(Math.abs(total / (measured * jobs * 0.001) - 1) < 0.5, `batch cost $${total} for ${measured * jobs} kernel seconds`);

  // The replica that learned quotes the same: the model lives in Redis (and so survives a restart).
  const rc = new JobClient(replica.address, 'acme');
  try {
    let q2 = (await rc.quote(probe)).windows[0]!;
    for (const deadline = Date.now() + 3_000; Date.now() < deadline && q2.predictedSeconds !== q1.predictedSeconds; ) {
      await new Promise((r) => setTimeout(r, 200));
      q2 = (await rc.quote(probe)).windows[0]!;
    }
    assert.equal(q2.predictedSeconds, q1.predictedSeconds);
  } finally {
    rc.close();
  }
});

test('the cost model stays usable through 50,000 alike, noisy batches and then odd ones (no covariance wind-up)', () => {
  const rand = seededRandom(5);
  // The truth: 20 ns a padded token, plus 50 µs a call.
  const truth = (s: { paddedTokens: number; maxLength: number }) => 2e-8 * s.paddedTokens + 5e-5;
  let state = priorState({ a: -12, b: 1, c: 0 }, { a: 4, bc: 0.25 });
  // Full batches of nearly one length: the features barely move, and timings of tiny batches are noisy.
  // Without a bound on P this drove it past 1e200 and θ into the thousands.
  for (let i = 0; i < 50_000; i++) {
    const longest = 100 + Math.floor(rand() * 3);
    const shape = { paddedTokens: 64 * longest, maxLength: longest };
    const noise = Math.exp(1.5 * Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand()));
    state = learn(state, shape, truth(shape) * noise, 0.99);
    assert.ok(state.theta.every((t) => Math.abs(t) < 50), `batch ${i}: θ ${state.theta}`);
  }
  // Then odd ones: batches of one.
  for (let i = 0; i < 3; i++) state = learn(state, { paddedTokens: 30, maxLength: 30 }, truth({ paddedTokens: 30, maxLength: 30 }), 0.99);
  assert.ok(Math.max(state.p[0]!, state.p[4]!, state.p[8]!) <= 4);
  for (const shape of [{ paddedTokens: 64 * 200, maxLength: 200 }, { paddedTokens: 250, maxLength: 250 }]) {
    const ratio = predictSeconds(state, shape) / truth(shape);
    assert.ok(ratio > 0.2 && ratio < 5, `predicted ${predictSeconds(state, shape)} s for ${JSON.stringify(shape)}, truth ${truth(shape)} s`);
  }
});
