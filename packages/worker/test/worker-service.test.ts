import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, packTokens, resolveOp, toOpParams, type RunBatchRequest, type RunBatchResponse__Output, type WorkerServiceClient } from '@nightshift/proto';
import { startWorker, workerConfigSchema, type RunningWorker } from '../src/index.js';
import { runOp } from '../src/kernels/index.js';

let worker: RunningWorker;
let client: WorkerServiceClient;

before(async () => {
  const config = workerConfigSchema.parse({ id: 'wt', listen: '127.0.0.1:0', threads: 2, logLevel: 'silent', limits: { maxSequenceLength: { attention: 5000 } } });
  worker = await startWorker(config);
  client = new (loadNightshift().grpcObject.nightshift.v1.WorkerService)(worker.address, grpc.credentials.createInsecure());
});
after(async () => {
  client?.close();
  await worker?.stop();
});

function run(req: RunBatchRequest): Promise<RunBatchResponse__Output> {
  return new Promise((resolve, reject) => client.runBatch(req, (err, res) => (err ? reject(err) : resolve(res!))));
}

function batch(op: string, params: object, seqs: number[][]): RunBatchRequest {
  const offsets = [0];
  for (const s of seqs) offsets.push(offsets.at(-1)! + s.length);
  return { batchId: 'b', op, params, jobIds: seqs.map((_, i) => `j${i}`), tokens: packTokens(seqs.flat()), offsets };
}

test('a ragged batch comes back per job, equal to the reference, on the ts backend', async () => {
  const seqs = [[1, 2, 3, 4, 5, 6], [], [0xffffffff], Array.from({ length: 3000 }, (_, i) => (i * 7919) % 50_000)];
  for (const [op, params] of [['minhash', { minhash: { numPerm: '16' } }], ['embed', { embed: { dim: '8' } }], ['attention', {}]] as const) {
    const res = await run(batch(op, params, seqs));
    assert.equal(res.backend, 'ts');
    assert.equal(res.workerId, 'wt');
    assert.equal(res.outcomes.length, seqs.length);
    const spec = resolveOp(op, params as never);
    res.outcomes.forEach((o, i) => {
      assert.equal(o.jobId, `j${i}`);
      assert.equal(o.outcome, 'result');
      const got = op === 'minhash' ? o.result!.signature : o.result!.vector;
      assert.deepEqual(got, Array.from(runOp(spec, Uint32Array.from(seqs[i]!))));
    });
    assert.ok(res.kernelSeconds > 0);
  }
});

test('an empty batch is answered with no outcomes', async () => {
  const res = await run({ batchId: 'e', op: 'embed', params: {}, jobIds: [], tokens: Buffer.alloc(0), offsets: [0] });
  assert.deepEqual(res.outcomes, []);
});

test('a job longer than the worker allows fails alone, with a message', async () => {
  const res = await run(batch('attention', { attention: { dim: '8' } }, [[1, 2], new Array(5001).fill(3), [4]]));
  assert.deepEqual(res.outcomes.map((o) => o.outcome), ['result', 'error', 'result']);
  assert.equal(res.outcomes[1]!.error, "sequence of 5001 tokens exceeds this worker's attention limit of 5000");
});

test('a malformed batch is INVALID_ARGUMENT naming what is wrong', async () => {
  const good = batch('embed', {}, [[1, 2], [3]]);
  const bad: Array<[Partial<RunBatchRequest>, RegExp]> = [
    [{ op: 'sort' }, /^op: unknown op "sort"/],
    [{ params: toOpParams(resolveOp('minhash', null)) }, /^params: minhash params given for op embed/],
    [{ tokens: Buffer.alloc(11) }, /^tokens: byte length 11 is not a multiple of 4/],
    [{ offsets: [0, 2] }, /^offsets: 2 entries for 2 jobs \(want 3\)/],
    [{ offsets: [1, 2, 3] }, /^offsets: the first entry must be 0/],
    [{ offsets: [0, 3, 2] }, /^offsets: entry 2 \(2\) is below entry 1 \(3\)/],
    [{ offsets: [0, 2, 9] }, /^offsets: the last entry \(9\) must equal the token count \(3\)/],
  ];
  for (const [patch, message] of bad) {
    await assert.rejects(run({ ...good, ...patch }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && message.test(e.details), JSON.stringify(patch).slice(0, 80));
  }
  assert.equal((await run(good)).outcomes.length, 2, 'still serving');
});

test('kernel work stays off the event loop: the worker answers a health check while a long batch runs', async () => {
  const long = run(batch('attention', {}, [Array.from({ length: 4000 }, (_, i) => i)]));
  let finished = false;
  void long.then(() => (finished = true));
  await new Promise((r) => setTimeout(r, 50));
  const health = new grpc.Client(worker.address, grpc.credentials.createInsecure());
  const t0 = Date.now();
  await new Promise<void>((resolve, reject) => health.waitForReady(Date.now() + 5000, (err) => (err ? reject(err) : resolve())));
  const probe = await new Promise<number>((resolve, reject) =>
    health.makeUnaryRequest('/nightshift.v1.WorkerService/RunBatch', (x: RunBatchRequest) => Buffer.from(JSON.stringify(x)), (b: Buffer) => b, {} as RunBatchRequest, (err) => (err ? resolve(Date.now() - t0) : reject(new Error('expected an error')))),
  );
  assert.equal(finished, false, 'the long batch was still running when the probe was answered');
  assert.ok(probe < 2000, `answered in ${probe} ms`);
  health.close();
  await long;
});
