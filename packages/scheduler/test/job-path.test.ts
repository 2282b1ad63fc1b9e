import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Job__Output, JobEvent__Output } from '@nightshift/proto';
import { JobClient } from '../src/index.js';
import { startSystem, watchUntilFinal, type TestSystem } from './helpers/system.js';
import { mixedJobs, type PlannedJob } from './helpers/workload.js';
import { agrees, maxDifference } from '@nightshift/worker/kernels';

let sys: TestSystem;
before(async () => {
  sys = await startSystem('path', { workers: 2 });
});
after(async () => {
  await sys?.stop();
});

function resultOf(job: Job__Output): number[] {
  return job.result!.signature.length ? job.result!.signature : job.result!.vector;
}

test('300 jobs of mixed ops and lengths, through SubmitStream and four concurrent Submit clients, all succeed with results agreeing with the reference kernels', async () => {
  const plan = mixedJobs(300, 42);
  const lengths = plan.map((p) => p.tokens.length);
  assert.ok(Math.max(...lengths) > 10_000 && Math.min(...lengths) === 1, `lengths span 1 … 20,000 (got ${Math.min(...lengths)} … ${Math.max(...lengths)})`);

  const byId = new Map<string, PlannedJob>();
  // 150 over one SubmitStream…
  const streamed = plan.slice(0, 150);
  const replies: string[] = [];
  await sys.client().submitMany(
    streamed.map((p, i) => ({ requestId: `r${i}`, job: p.spec })),
    (r) => {
      assert.equal(r.outcome, 'job', `request ${r.requestId}: ${r.error?.message}`);
      replies.push(r.requestId);
      byId.set(r.job!.id, streamed[Number(r.requestId.slice(1))]!);
    },
  );
  assert.equal(replies.length, 150);
  // …and 150 through Submit, by four clients at once.
  const rest = plan.slice(150);
  await Promise.all(
    [0, 1, 2, 3].map(async (k) => {
      const c = sys.client();
      for (let i = k; i < rest.length; i += 4) {
        const job = await c.submit(rest[i]!.spec);
        // A job whose content an earlier one had is answered from the result cache, finished.
        assert.equal(job.state, job.cached ? 'JOB_STATE_SUCCEEDED' : 'JOB_STATE_QUEUED');
        assert.equal(job.tokenCount, rest[i]!.tokens.length, 'the scheduler measured the same tokens');
        byId.set(job.id, rest[i]!);
      }
    }),
  );
  assert.equal(byId.size, 300);

  const events = await watchUntilFinal(sys.client(), [...byId.keys()]);
  const c = sys.client();
  const workers = new Set<string>();
  for (const [id, planned] of byId) {
    const evs = events.get(id)!;
    assert.equal(evs.at(-1)?.state, 'JOB_STATE_SUCCEEDED', `job ${id} ended ${evs.at(-1)?.state} ${evs.at(-1)?.error}`);
    const job = await c.getJob(id);
    assert.equal(job.state, 'JOB_STATE_SUCCEEDED');
    assert.equal(job.clientRef, planned.spec.clientRef);
    const got = resultOf(job);
    assert.ok(agrees(planned.op.op, got, planned.expected), `job ${id} (${planned.op.op}, ${planned.tokens.length} tokens) is off the reference by ${maxDifference(got, planned.expected)}`);
    if (job.cached) continue;
    assert.ok(job.kernelSeconds > 0);
    workers.add(job.workerId);
  }
  assert.deepEqual([...workers].sort(), ['w1', 'w2'], 'both workers ran jobs');
  // A batch never mixes ops, params or length buckets.
  const batches = new Map<string, Set<string>>();
  for (const [id, planned] of byId) {
    const job = await c.getJob(id, true);
    if (job.cached) continue;
    const key = `${job.op}|${JSON.stringify(planned.op.params)}|${job.bucket}`;
    batches.set(job.batchId, (batches.get(job.batchId) ?? new Set()).add(key));
    assert.match(job.bucket, /^(le\d+|gt\d+)$/);
  }
  for (const [batchId, keys] of batches) assert.equal(keys.size, 1, `batch ${batchId} mixes ${[...keys].join(' / ')}`);
  assert.ok(new Set([...byId.keys()].map((id) => byId.get(id)!.tokens.length > 4096)).size === 2, 'the jobs span several buckets');
});

test('WatchJobs delivers every state change of a job, in order, ending at its final state', async () => {
  const c = sys.client();
  const [p] = mixedJobs(1, 7, 500);
  const job = await c.submit(p!.spec);
  const events = (await watchUntilFinal(c, [job.id])).get(job.id)!;
  // The first event is the job as it stood when the watch began; its seq may already be past 1.
  const seqs = events.map((e) => Number(e.seq));
  for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, `seqs ${seqs} are consecutive`);
  const states = events.map((e) => e.state.replace('JOB_STATE_', ''));
  const full = ['QUEUED', 'RUNNING', 'SUCCEEDED'];
  assert.deepEqual(states, full.slice(full.length - states.length), `states ${states}`);
  assert.equal(Number(events.at(-1)!.seq), 3);
});

test('a tenant-wide watch sees QUEUED, RUNNING and SUCCEEDED for each new job, in seq order', async () => {
  const c = sys.client('watcher-tenant');
  const stream = c.watchJobs([]);
  const seen = new Map<string, string[]>();
  const got = new Promise<void>((resolve) => {
    stream.on('data', (e: JobEvent__Output) => {
      const list = seen.get(e.jobId) ?? [];
      list.push(`${e.seq}:${e.state.replace('JOB_STATE_', '')}`);
      seen.set(e.jobId, list);
      if ([...seen.values()].filter((l) => l.at(-1)?.endsWith('SUCCEEDED')).length === 5) resolve();
    });
  });
  stream.on('error', () => undefined);
  await JobClient.subscribed(stream);
  const jobs = mixedJobs(5, 11, 300);
  for (const p of jobs) await c.submit(p.spec);
  await got;
  stream.cancel();
  for (const list of seen.values()) assert.deepEqual(list, ['1:QUEUED', '2:RUNNING', '3:SUCCEEDED']);
});
