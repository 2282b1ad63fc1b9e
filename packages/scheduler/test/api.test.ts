import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { packTokens, type JobSpec, type SubmitStreamResponse__Output } from '@nightshift/proto';
import { FINAL_API_STATES, JobClient } from '../src/index.js';
import { startSystem, type TestSystem } from './helpers/system.js';

let sys: TestSystem;
let c: JobClient;
before(async () => {
  sys = await startSystem('api', { workers: 1 });
  c = sys.client();
});
after(async () => {
  await sys?.stop();
});

const honest: JobSpec = { op: 'minhash', text: 'an honest request between the bad ones' };

const cases: Array<[string, unknown, RegExp]> = [
  ['no job', {}, /^job: is required$/],
  ['missing op', { job: { text: 'x' } }, /^job\.op: is required/],
  ['unknown op', { job: { op: 'sort', text: 'x' } }, /^job\.op: unknown op "sort"/],
  ['negative num_perm', { job: { op: 'minhash', params: { minhash: { numPerm: -3 } }, text: 'x' } }, /^job\.params\.minhash\.num_perm: must be between 1 and 1024, got -3$/],
  ['zero dim', { job: { op: 'embed', params: { embed: { dim: 0 } }, text: 'x' } }, /^job\.params\.embed\.dim: must be between 8 and 4096, got 0$/],
  ['huge dim', { job: { op: 'attention', params: { attention: { dim: '9223372036854775807' } }, text: 'x' } }, /^job\.params\.attention\.dim: must be between 8 and 4096/],
  ['negative seed', { job: { op: 'embed', params: { embed: { seed: '-5' } }, text: 'x' } }, /^job\.params\.embed\.seed: must be a decimal integer/],
  ['params of another op', { job: { op: 'embed', params: { minhash: {} }, text: 'x' } }, /^job\.params: minhash params given for op embed$/],
  ['no payload', { job: { op: 'embed' } }, /^job\.payload: text or tokens is required$/],
  ['empty text', { job: { op: 'embed', text: '' } }, /^job\.text: is empty$/],
  ['empty tokens', { job: { op: 'embed', tokens: Buffer.alloc(0) } }, /^job\.tokens: is empty$/],
  ['tokens not uint32', { job: { op: 'embed', tokens: Buffer.alloc(7) } }, /^job\.tokens: byte length 7 is not a multiple of 4/],
  ['negative priority', { job: { ...honest, priority: -1 } }, /^job\.priority: must be between 0 and 1000000$/],
  ['absurd attempts', { job: { ...honest, maxAttempts: 99 } }, /^job\.max_attempts: must be between 0 \(the default\) and 20$/],
  ['long client_ref', { job: { ...honest, clientRef: 'x'.repeat(300) } }, /^job\.client_ref: must be at most 256 characters$/],
];

test('malformed submissions get INVALID_ARGUMENT naming the field, and the server keeps serving', async () => {
  for (const [name, req, message] of cases) {
    await assert.rejects(
      new Promise((resolve, reject) => c.raw.submit(req as never, metadata('acme'), (err, res) => (err ? reject(err) : resolve(res)))),
      (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT, `${name}: ${err.message}`);
        assert.match(err.details, message, name);
        return true;
      },
    );
    // Each honest job its own content, so none is answered from the result cache.
    const ok = await c.submit({ ...honest, text: `${honest.text as string} after ${name}` });
    assert.equal(ok.state, 'JOB_STATE_QUEUED', `an honest submit after "${name}"`);
  }
});

test('SubmitStream answers each request, errors included, and admits the good ones', async () => {
  const replies: SubmitStreamResponse__Output[] = [];
  const requests = [
    { requestId: 'good-1', job: honest },
    { requestId: 'bad-op', job: { op: 'nope', text: 'x' } },
    { requestId: 'bad-tokens', job: { op: 'embed', tokens: Buffer.alloc(5) } },
    { requestId: 'good-2', job: { op: 'embed', tokens: packTokens([1, 2, 3]) } },
  ];
  await c.submitMany(requests, (r) => replies.push(r));
  assert.deepEqual(replies.map((r) => r.requestId), requests.map((r) => r.requestId), 'one reply per request, in order');
  assert.deepEqual(replies.map((r) => r.outcome), ['job', 'error', 'error', 'job']);
  assert.equal(replies[1]!.error!.code, grpc.status.INVALID_ARGUMENT);
  assert.match(replies[2]!.error!.message, /^job\.tokens: byte length 5/);
});

test('unknown and malformed job ids: NOT_FOUND and INVALID_ARGUMENT', async () => {
  const unknown = '6f1c3a52-8d7e-4b1a-9c2f-0e4d5a6b7c8d';
  await assert.rejects(c.getJob(unknown), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND && e.details === `job ${unknown} not found`);
  await assert.rejects(c.cancelJob(unknown), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  await assert.rejects(c.getJob('../../etc/passwd'), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /^job_id: must be a job id/.test(e.details));
  const watch = c.watchJobs([unknown]);
  await assert.rejects(
    new Promise((resolve, reject) => {
      watch.on('data', resolve);
      watch.on('error', reject);
    }),
    (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND,
  );
});

test("a tenant never sees another tenant's job", async () => {
  const mine = await c.submit(honest);
  const other = sys.client('globex');
  await assert.rejects(other.getJob(mine.id), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND && e.details === `job ${mine.id} not found`);
  await assert.rejects(other.cancelJob(mine.id), (e: grpc.ServiceError) => e.code === grpc.status.NOT_FOUND);
  assert.ok(!(await other.listJobs({})).jobs.some((j) => j.id === mine.id));
});

test('calls without a tenant are UNAUTHENTICATED; a malformed tenant is INVALID_ARGUMENT', async () => {
  const bare = (md: grpc.Metadata) =>
    new Promise((resolve, reject) => c.raw.submit({ job: honest }, md, (err, res) => (err ? reject(err) : resolve(res))));
  await assert.rejects(bare(new grpc.Metadata()), (e: grpc.ServiceError) => e.code === grpc.status.UNAUTHENTICATED && /x-nightshift-tenant/.test(e.details));
  await assert.rejects(bare(metadata('bad tenant!')), (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT);
});

test('ListJobs pages through a tenant\'s jobs oldest first and filters by state', async () => {
  const t = sys.client('lister');
  const ids: string[] = [];
  for (let i = 0; i < 7; i++) ids.push((await t.submit({ op: 'embed', tokens: packTokens([i + 1]), clientRef: `n${i}` })).id);
  const seen: string[] = [];
  let pageToken = '';
  let pages = 0;
  do {
    const page = await t.listJobs({ pageSize: 3, pageToken });
    assert.ok(page.jobs.length <= 3);
    seen.push(...page.jobs.map((j) => j.id));
    pageToken = page.nextPageToken;
    pages++;
  } while (pageToken);
  assert.deepEqual(seen, ids, 'every job once, in submission order');
  assert.equal(pages, 3);
  for await (const _ of t.watchJobs(ids)); // until every one is final
  assert.deepEqual((await t.listJobs({ states: ['JOB_STATE_SUCCEEDED'] })).jobs.map((j) => j.id), ids);
  assert.deepEqual((await t.listJobs({ states: ['JOB_STATE_QUEUED', 'JOB_STATE_RUNNING'] })).jobs, []);
  await assert.rejects(t.listJobs({ pageSize: 5000 }), /page_size: must be between 0 and 1000/);
  await assert.rejects(t.listJobs({ pageToken: 'garbage' }), /page_token: not a token from a previous ListJobs reply/);
  await assert.rejects(t.listJobs({ states: ['JOB_STATE_UNSPECIFIED'] }), /states\.0: not a job state/);
});

test('WatchJobs with states sends only changes into them, and still ends when every job is final', async () => {
  const t = sys.client('filtered');
  const all = t.watchJobs([]);
  const allSeen: string[] = [];
  all.on('data', (e: { state: string }) => allSeen.push(e.state));
  all.on('error', () => undefined);
  const finalsOnly = t.watchJobs([], FINAL_API_STATES);
  const finalSeen: string[] = [];
  finalsOnly.on('data', (e: { state: string }) => finalSeen.push(e.state));
  finalsOnly.on('error', () => undefined);
  await Promise.all([JobClient.subscribed(all), JobClient.subscribed(finalsOnly)]);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) ids.push((await t.submit({ op: 'embed', tokens: packTokens([900 + i, i]) })).id);
  const byId: string[] = [];
  for await (const e of t.watchJobs(ids, ['JOB_STATE_SUCCEEDED'])) byId.push(`${e.jobId} ${e.state}`);
  assert.deepEqual(byId.sort(), ids.map((id) => `${id} JOB_STATE_SUCCEEDED`).sort(), 'one event a job, the final one, then the end');
  // A watch of ids for a state they have passed sends nothing and still ends.
  const none: unknown[] = [];
  for await (const e of t.watchJobs(ids, ['JOB_STATE_RUNNING'])) none.push(e);
  assert.deepEqual(none, []);
  for (const until = Date.now() + 10_000; finalSeen.length < ids.length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
  all.cancel();
  finalsOnly.cancel();
  assert.deepEqual(finalSeen, ids.map(() => 'JOB_STATE_SUCCEEDED'));
  assert.ok(allSeen.length >= 3 * ids.length, `every change without a filter (${allSeen.length} events)`);
  await assert.rejects(
    (async () => {
      for await (const _ of t.watchJobs(ids, ['JOB_STATE_UNSPECIFIED']));
    })(),
    (e: grpc.ServiceError) => e.code === grpc.status.INVALID_ARGUMENT && /states\.0: not a job state/.test(e.details),
  );
});

function metadata(tenant: string): grpc.Metadata {
  const md = new grpc.Metadata();
  md.set('x-nightshift-tenant', tenant);
  return md;
}
