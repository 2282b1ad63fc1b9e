import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { loadNightshift, packTokens, type RunBatchRequest } from '@nightshift/proto';
import { startWorker, workerConfigSchema, type RunningWorker } from '../src/index.js';

let worker: RunningWorker | undefined;
after(() => worker?.stop());

/** The value of one sample of a Prometheus page, by its exact label text ('' for none); NaN when absent. */
function sample(page: string, name: string, labels: string): number {
  const line = page.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line ? Number(line.slice(line.lastIndexOf(' ') + 1)) : NaN;
}

test("a worker's /metrics: kernel seconds by op and backend, batches and jobs by outcome, gRPC requests by status", async () => {
  worker = await startWorker(workerConfigSchema.parse({ id: 'wm', listen: '127.0.0.1:0', metricsListen: '127.0.0.1:0', threads: 1, logLevel: 'silent', limits: { maxSequenceLength: { embed: 100 } } }));
  assert.ok(worker.metricsAddress);
  const client = new (loadNightshift().grpcObject.nightshift.v1.WorkerService)(worker.address, grpc.credentials.createInsecure());
  const run = (req: RunBatchRequest) => new Promise((resolve, reject) => client.runBatch(req, (err, res) => (err ? reject(err) : resolve(res))));
  const embed = (seqs: number[][]): RunBatchRequest => {
    const offsets = seqs.reduce((o, s) => [...o, o.at(-1)! + s.length], [0]);
    return { batchId: 'b', op: 'embed', params: {}, jobIds: seqs.map((_, i) => `j${i}`), tokens: packTokens(seqs.flat()), offsets };
  };
  try {
    await run(embed([[1, 2], [3, 4, 5], [6]]));
    await run(embed([[1], new Array(101).fill(7)])); // the second job is past this worker's limit
    await assert.rejects(run({ ...embed([[1]]), op: 'sort' }), /INVALID_ARGUMENT/);
    const page = await (await fetch(`http://${worker.metricsAddress}/metrics`)).text();
    assert.equal(sample(page, 'nightshift_worker_batches_total', 'op="embed",outcome="ran"'), 2);
    assert.equal(sample(page, 'nightshift_worker_batches_total', 'op="unknown",outcome="invalid"'), 1);
    assert.equal(sample(page, 'nightshift_worker_jobs_total', 'op="embed",outcome="ok"'), 4);
    assert.equal(sample(page, 'nightshift_worker_jobs_total', 'op="embed",outcome="error"'), 1);
    assert.equal(sample(page, 'nightshift_worker_kernel_seconds_count', `op="embed",backend="${worker.backend}"`), 2);
    assert.ok(sample(page, 'nightshift_worker_kernel_seconds_sum', `op="embed",backend="${worker.backend}"`) > 0);
    assert.equal(sample(page, 'nightshift_grpc_requests_total', 'service="nightshift.v1.WorkerService",method="RunBatch",code="OK"'), 2);
    assert.equal(sample(page, 'nightshift_grpc_requests_total', 'service="nightshift.v1.WorkerService",method="RunBatch",code="INVALID_ARGUMENT"'), 1);
    assert.equal(sample(page, 'nightshift_worker_info', `id="wm",worker_class="cpu",pool="on-demand",backend="${worker.backend}"`), 1);
    assert.equal(sample(page, 'nightshift_worker_batches_in_flight', ''), 0);
  } finally {
    client.close();
  }
});
