import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, packTokens, resolveOp, seededRandom, unpackLe32, type RunBatchRequest, type RunBatchResponse__Output, type WorkerServiceClient } from '@nightshift/proto';
import { startWorker, workerConfigSchema, type RunningWorker } from '../src/index.js';
import { agrees, maxDifference, runOp } from '../src/kernels/index.js';

// RunBatch's packed mode (a unit of a batch object), on the native backend (results in one array,
// sent as they are) and on the TypeScript one (results per job, copied into one buffer).
const LIMIT = 3000;
let native: RunningWorker;
let ts: RunningWorker;
const clients: WorkerServiceClient[] = [];

const connect = (w: RunningWorker) => {
  const c = new (loadNightshift().grpcObject.nightshift.v1.WorkerService)(w.address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  clients.push(c);
  return c;
};

before(async () => {
  const config = (kernels: string) =>
    workerConfigSchema.parse({ id: `wp-${kernels}`, listen: '127.0.0.1:0', threads: 2, logLevel: 'silent', kernels, limits: { maxSequenceLength: { minhash: LIMIT, embed: LIMIT } } });
  native = await startWorker(config('native'));
  ts = await startWorker(config('ts'));
});
after(async () => {
  for (const c of clients) c.close();
  await native?.stop();
  await ts?.stop();
});

function run(c: WorkerServiceClient, req: RunBatchRequest): Promise<RunBatchResponse__Output> {
  return new Promise((resolve, reject) => c.runBatch(req, (err, res) => (err ? reject(err) : resolve(res!))));
}

function request(op: string, params: object, seqs: Uint32Array[], packed: boolean, jobIds = packed ? [] : seqs.map((_, i) => `j${i}`)): RunBatchRequest {
  const offsets = [0];
  for (const s of seqs) offsets.push(offsets.at(-1)! + s.length);
  const tokens = new Uint32Array(offsets.at(-1)!);
  seqs.forEach((s, i) => tokens.set(s, offsets[i]!));
  return { batchId: 'u', op, params, jobIds, tokens: packTokens(tokens), offsets, packed };
}

/** A few hundred items of mixed lengths (1 to 2,000 tokens), one past the limit and one empty. */
function unit(): { seqs: Uint32Array[]; tooLong: number; empty: number } {
  const rand = seededRandom(7);
  const seqs = Array.from({ length: 300 }, () => Uint32Array.from({ length: 1 + Math.floor(rand() ** 2 * 2000) }, () => Math.floor(rand() * 200_000)));
  // A near-duplicate pair, so that equal signature positions are exercised too.
  seqs[11] = seqs[10]!.slice();
  const tooLong = 57;
  const empty = 123;
  seqs[tooLong] = Uint32Array.from({ length: LIMIT + 1 }, (_, i) => i);
  seqs[empty] = new Uint32Array(0);
  return { seqs, tooLong, empty };
}

test('a packed unit gives every item the result the per-job path gives; a too-long and an empty item fail alone', async () => {
  const { seqs, tooLong, empty } = unit();
  for (const worker of [native, ts]) {
    const c = connect(worker);
    for (const [op, params] of [['minhash', { minhash: { numPerm: '64' } }], ['embed', { embed: { dim: '32' } }]] as const) {
      const spec = resolveOp(op, params as never);
      const label = `${worker.backend} ${op}`;
      const plain = await run(c, request(op, params, seqs, false));
      const res = await run(c, request(op, params, seqs, true));
      assert.deepEqual(res.outcomes, [], `${label}: no outcome a job`);
      assert.equal(res.backend, worker.backend);
      assert.ok(res.kernelSeconds > 0, `${label}: the whole call's seconds`);
      const p = res.packed!;
      assert.equal(p.kind, op === 'minhash' ? 'u32' : 'f32');
      assert.deepEqual(p.failed, [tooLong, empty]);
      assert.deepEqual(p.errors, [`sequence of ${LIMIT + 1} tokens exceeds this worker's ${op} limit of ${LIMIT}`, 'empty item: 0 tokens']);
      assert.equal(p.offsets.length, seqs.length + 1);
      const len = op === 'minhash' ? 64 : 32;
      assert.equal(p.values.byteLength, (seqs.length - 2) * len * 4);
      const values = unpackLe32(p.values, p.kind as 'u32' | 'f32');
      for (let i = 0; i < seqs.length; i++) {
        const got = values.subarray(p.offsets[i]!, p.offsets[i + 1]!);
        const o = plain.outcomes[i]!;
        if (i === tooLong) {
          assert.equal(got.length, 0);
          assert.equal(o.error, p.errors[0], `${label}: the per-job path refuses it with the same words`);
          continue;
        }
        if (i === empty) {
          assert.equal(got.length, 0);
          // Not packed, an empty job keeps its defined result: 0xFFFFFFFF everywhere, or zeros.
          assert.deepEqual(op === 'minhash' ? o.result!.signature : o.result!.vector, Array.from(runOp(spec, seqs[i]!)));
          continue;
        }
        assert.equal(got.length, len, `${label} item ${i}`);
        assert.deepEqual(Array.from(got), op === 'minhash' ? o.result!.signature : o.result!.vector, `${label} item ${i}: packed and per job differ`);
        const want = runOp(spec, seqs[i]!);
        assert.ok(agrees(op, got, want), `${label} item ${i}: off the reference by ${maxDifference(got, want)}`);
      }
      assert.deepEqual(values.subarray(p.offsets[10]!, p.offsets[11]!), values.subarray(p.offsets[11]!, p.offsets[12]!), 'equal items, equal results');
    }
  }
});

test('a packed unit may name its jobs, one id a job; a count that differs is INVALID_ARGUMENT', async () => {
  const c = connect(native);
  const seqs = [Uint32Array.of(1, 2, 3), Uint32Array.of(4), Uint32Array.of(5, 6)];
  const named = await run(c, request('embed', {}, seqs, true, ['a', 'b', 'c']));
  assert.deepEqual(named.packed!.failed, []);
  assert.deepEqual(named.packed!.offsets, [0, 256, 512, 768]);
  await assert.rejects(run(c, request('embed', {}, seqs, true, ['a', 'b'])), (e: grpc.ServiceError) =>
    e.code === grpc.status.INVALID_ARGUMENT && e.details === 'job_ids: 2 ids for the 3 jobs that offsets count (send none, or one a job)');
  await assert.rejects(run(c, { ...request('embed', {}, seqs, true), offsets: [] }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^offsets: a packed request needs at least one entry/.test(e.details));
  // Past the worker's job limit (4,096 by default), counted by offsets when no ids are sent.
  await assert.rejects(run(c, { ...request('embed', {}, [], true), offsets: new Array<number>(4098).fill(0) }), (e: grpc.ServiceError) =>
    e.code === grpc.status.INVALID_ARGUMENT && e.details === "offsets: 4097 jobs exceed this worker's limit of 4096");
  // Not packed, an empty job_ids still means no jobs, as before.
  await assert.rejects(run(c, { ...request('embed', {}, seqs, false), jobIds: [] }), /offsets: 4 entries for 0 jobs \(want 1\)/);
  const empty = await run(c, request('embed', {}, [], true));
  assert.deepEqual(empty.packed, { kind: 'f32', values: Buffer.alloc(0), offsets: [0], failed: [], errors: [], segmentSeconds: [0] });
});

test("a packed unit's kernel batches (segments) each get their share of the call's seconds; segments that do not cover the unit are INVALID_ARGUMENT", async () => {
  const c = connect(native);
  const seqs = [...Array.from({ length: 40 }, (_, i) => Uint32Array.from({ length: 50 + i }, (_, k) => k)), ...Array.from({ length: 10 }, (_, i) => Uint32Array.from({ length: 2500 + i }, (_, k) => k))];
  const res = await run(c, { ...request('minhash', {}, seqs, true), segments: [0, 40, 50] });
  const seconds = res.packed!.segmentSeconds;
  assert.equal(seconds.length, 2);
  assert.ok(Math.abs(seconds[0]! + seconds[1]! - res.kernelSeconds) < 1e-9, 'the call shared out');
  assert.ok(seconds[1]! > seconds[0]!, `10 long items took longer than 40 short ones: ${seconds}`);
  assert.equal((await run(c, request('minhash', {}, seqs, true))).packed!.segmentSeconds.length, 1, 'none sent: one batch');
  for (const bad of [[0, 40], [1, 50], [0, 30, 20, 50]]) {
    await assert.rejects(run(c, { ...request('minhash', {}, seqs, true), segments: bad }), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^segments: /.test(e.details));
  }
  await assert.rejects(run(c, { ...request('minhash', {}, seqs, false), segments: [0, 50] }), /segments: only a packed request/);
});

test("a full unit, 4,096 items and 4 million tokens, passes the worker's default limits", async () => {
  const c = connect(native);
  const rand = seededRandom(3);
  const n = 4096;
  const per = Math.floor(4_000_000 / n);
  const tokens = Uint32Array.from({ length: n * per }, () => Math.floor(rand() * 200_000));
  const offsets = Array.from({ length: n + 1 }, (_, i) => i * per);
  const res = await run(c, { batchId: 'full', op: 'minhash', params: {}, tokens: packTokens(tokens), offsets, packed: true });
  const p = res.packed!;
  assert.deepEqual(p.failed, []);
  assert.equal(p.offsets.length, n + 1);
  assert.equal(p.values.byteLength, n * 128 * 4);
  const spec = resolveOp('minhash', null);
  const values = unpackLe32(p.values, 'u32');
  for (const i of [0, 1234, n - 1]) {
    assert.deepEqual(values.subarray(p.offsets[i]!, p.offsets[i + 1]!), runOp(spec, tokens.subarray(i * per, (i + 1) * per)), `item ${i}`);
  }
});
