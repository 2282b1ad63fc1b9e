import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, packTokens, resolveOp, toOpParams, type RunBatchRequest, type RunBatchResponse__Output, type WorkerServiceClient } from '@nightshift/proto';
import { startWorker, workerConfigSchema, type RunningWorker } from '../src/index.js';
import { agrees, maxDifference, runOp } from '../src/kernels/index.js';

let worker: RunningWorker;
let client: WorkerServiceClient;
// The same worker with the TypeScript reference kernels, to run the same batches on both backends.
let tsWorker: RunningWorker;
let tsClient: WorkerServiceClient;

const connect = (w: RunningWorker) => new (loadNightshift().grpcObject.nightshift.v1.WorkerService)(w.address, grpc.credentials.createInsecure());

before(async () => {
  const config = (kernels: string) =>
    workerConfigSchema.parse({ id: 'wt', listen: '127.0.0.1:0', threads: 2, logLevel: 'silent', kernels, limits: { maxSequenceLength: { attention: 5000 } } });
  worker = await startWorker(config('native'));
  client = connect(worker);
  tsWorker = await startWorker(config('ts'));
  tsClient = connect(tsWorker);
});
after(async () => {
  client?.close();
  tsClient?.close();
  await worker?.stop();
  await tsWorker?.stop();
});

function run(req: RunBatchRequest, c = client): Promise<RunBatchResponse__Output> {
  return new Promise((resolve, reject) => c.runBatch(req, (err, res) => (err ? reject(err) : resolve(res!))));
}

function batch(op: string, params: object, seqs: number[][]): RunBatchRequest {
  const offsets = [0];
  for (const s of seqs) offsets.push(offsets.at(-1)! + s.length);
  return { batchId: 'b', op, params, jobIds: seqs.map((_, i) => `j${i}`), tokens: packTokens(seqs.flat()), offsets };
}

test('a ragged batch comes back per job, agreeing with the reference, on both backends', async () => {
  const seqs = [[1, 2, 3, 4, 5, 6], [], [0xffffffff], Array.from({ length: 3000 }, (_, i) => (i * 7919) % 50_000)];
  for (const [c, backend] of [[client, worker.backend], [tsClient, 'ts']] as const) {
    for (const [op, params] of [['minhash', { minhash: { numPerm: '16' } }], ['embed', { embed: { dim: '8' } }], ['attention', {}]] as const) {
      const res = await run(batch(op, params, seqs), c);
      assert.equal(res.backend, backend);
      assert.equal(res.workerId, 'wt');
      assert.equal(res.outcomes.length, seqs.length);
      const spec = resolveOp(op, params as never);
      res.outcomes.forEach((o, i) => {
        assert.equal(o.jobId, `j${i}`);
        assert.equal(o.outcome, 'result');
        const got = op === 'minhash' ? o.result!.signature : o.result!.vector;
        const want = runOp(spec, Uint32Array.from(seqs[i]!));
        assert.ok(agrees(op, got, want), `${backend} ${op} job ${i}: off by ${maxDifference(got, want)}`);
      });
      assert.ok(res.kernelSeconds > 0);
    }
  }
});

test('the native backend runs, and says which path it took', () => {
  assert.match(worker.backend, /^(cuda|cpu-(avx512|avx2|portable))$/);
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

test('kernel work stays off the event loop: the worker answers while a long batch runs, on both backends', async () => {
  // Within this worker's attention limit of 5,000 tokens: many long sequences for the fast backend.
  for (const [c, w, jobs, length] of [[client, worker, 40, 5_000], [tsClient, tsWorker, 1, 4_000]] as const) {
    const long = run(batch('attention', {}, Array.from({ length: jobs }, () => Array.from({ length }, (_, i) => i))), c);
    let finished = false;
    void long.then(() => (finished = true));
    await new Promise((r) => setTimeout(r, 50));
    const probe = new grpc.Client(w.address, grpc.credentials.createInsecure());
    const t0 = Date.now();
    // A malformed request: answered by the service itself, so it needs the event loop.
    await assert.rejects(run({ ...batch('embed', {}, [[1]]), offsets: [0] }, c), /INVALID_ARGUMENT/);
    const waited = Date.now() - t0;
    assert.equal(finished, false, `the long batch (${jobs} × ${length} tokens on ${w.backend}) was still running when the other call was answered`);
    assert.ok(waited < 1000, `answered in ${waited} ms`);
    probe.close();
    await long;
  }
});
