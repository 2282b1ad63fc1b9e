import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystem, type TestSystem } from './helpers/system.js';
import { packTokens } from '@nightshift/proto';
import { JobClient } from '../src/index.js';
import { findFreePort } from '@nightshift/devtools';
import { nightshift, nightshiftPiped } from './helpers/cli.js';

const systems: TestSystem[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ns-cli-'));
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

test('nightshift submit, watch, status, list, cancel, quote and usage against a running system', async () => {
  const sys = await startSystem('cli', { workers: 1 });
  systems.push(sys);
  const env = { NIGHTSHIFT_SCHEDULER: sys.scheduler.address, NIGHTSHIFT_TENANT: 'acme' };
  const requests = join(dir, 'batch.jsonl');
  writeFileSync(
    requests,
    [
      JSON.stringify({ custom_id: 'doc-1', op: 'minhash', text: 'the first document of the batch' }),
      '{ not json',
      JSON.stringify({ custom_id: 'doc-2', op: 'embed', tokens: [1, 2, 3, 4, 5] }),
      JSON.stringify({ custom_id: 'doc-3', op: 'sort', text: 'no such op' }),
      '',
      JSON.stringify({ custom_id: 'doc-4', op: 'minhash', tokens: [-1] }),
      JSON.stringify({ custom_id: 'doc-5', op: 'attention', params: { attention: { dim: '32' } }, tokens: [9, 8, 7] }),
    ].join('\n'),
  );
  const text = join(dir, 'essay.txt');
  writeFileSync(text, 'A plain text file is one document.');

  const sub = await nightshift(['submit', '--json', requests], env);
  assert.equal(sub.code, 1, 'some lines were not submitted');
  const replies = sub.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>);
  const ok = replies.filter((r) => r.job_id);
  assert.deepEqual(ok.map((r) => r.custom_id).sort(), ['doc-1', 'doc-2', 'doc-5']);
  const bad = new Map(replies.filter((r) => r.error).map((r) => [r.where, r.error]));
  assert.match(bad.get(`${requests}:2`)!, /^not JSON/);
  assert.match(bad.get(`${requests}:4`)!, /^job\.op: /);
  assert.match(bad.get(`${requests}:6`)!, /"tokens" \(an array of unsigned 32-bit integers\)/);

  const human = await nightshift(['submit', '--op', 'embed', '--completion-window', '24h', text], env);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stderr, /submitted 1 of 1 requests/);
  const noOp = await nightshift(['submit', text], env);
  assert.equal(noOp.code, 1);
  assert.match(noOp.stderr, /essay\.txt: a plain text file needs --op/);

  const watch = await nightshift(['watch', ...ok.map((r) => r.job_id!)], env);
  assert.equal(watch.code, 0);
  for (const r of ok) assert.match(watch.stdout, new RegExp(`${r.job_id}  succeeded`));
  const status = await nightshift(['status', '--json', ok[0]!.job_id!], env);
  assert.equal(JSON.parse(status.stdout).state, 'JOB_STATE_SUCCEEDED');
  const list = await nightshift(['list', '--state', 'succeeded'], env);
  assert.ok(ok.every((r) => list.stdout.includes(r.job_id!)), list.stdout);
  const missing = await nightshift(['cancel', '00000000-0000-4000-8000-000000000000'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /nightshift cancel: job 00000000-0000-4000-8000-000000000000 not found/);
  const quote = await nightshift(['quote', '--op', 'embed', '--text', 'how much would this cost'], env);
  assert.match(quote.stdout, /tokens, bucket le\d+\n  on-demand/);
  const usage = await nightshift(['usage', '--json'], env);
  assert.ok(JSON.parse(usage.stdout).current.jobs >= 4);

  const noTenant = await nightshift(['list'], { NIGHTSHIFT_SCHEDULER: sys.scheduler.address, NIGHTSHIFT_TENANT: '' });
  assert.equal(noTenant.code, 2);
  assert.match(noTenant.stderr, /--tenant \(or NIGHTSHIFT_TENANT\) is required/);
  assert.equal((await nightshift(['frobnicate'], env)).code, 2);

  // pipeline run over a folder: a document a file, results in path order.
  const folder = join(dir, 'corpus');
  mkdirSync(join(folder, 'b'), { recursive: true });
  writeFileSync(join(folder, 'a.txt'), 'first document');
  writeFileSync(join(folder, 'b', 'c.txt'), 'third document, in a folder');
  writeFileSync(join(folder, 'b.txt'), 'second document');
  const out = join(dir, 'run');
  const run = await nightshift(['pipeline', 'run', folder, '--op', 'embed', '--out', out, '--completion-window', '24h'], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^batch \S+: 3 documents, \d+ tokens, 1 units, padding efficiency [\d.]+, [\d.]+ s \(\d+ documents\/s\)\n/);
  assert.match(run.stdout, /\nreused: 0 from an earlier run of this pipeline, 0 from the result cache, 0 repeats within the corpus\n/);
  assert.match(run.stdout, /\ncost \$[\d.e-]+ against a quote of \$[\d.e-]+ \(\S+\)\n/);
  const ids = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
  assert.deepEqual(ids, ['a.txt', join('b', 'c.txt'), 'b.txt'], 'depth first, names in order');
  assert.equal(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')).documents, 3);
});

// Issue 25: `nightshift --json list | cat` printed a different part of its lines on every run: the
// command exited before stdout (a pipe: its writes are asynchronous) had taken them all.
test('nightshift --json list through a slow pipe: every one of thousands of lines comes out', async () => {
  const sys = await startSystem('cli-pipe', { workers: 1 });
  systems.push(sys);
  const client = new JobClient(sys.scheduler.address, 'piper');
  const n = 2500;
  let accepted = 0;
  await client.submitMany(
    Array.from({ length: n }, (_, i) => ({ requestId: String(i), job: { op: 'minhash', tokens: packTokens(Uint32Array.from({ length: 16 }, (_, k) => i * 16 + k)), clientRef: `doc-${i}` } })),
    (r) => {
      if (r.job) accepted++;
    },
  );
  client.close();
  assert.equal(accepted, n);
  // Some 2 MB of JSON lines into a pipe whose reader sleeps first: far more than the pipe holds.
  const piped = await nightshiftPiped('--json list', '(sleep 1; cat)', { NIGHTSHIFT_SCHEDULER: sys.scheduler.address, NIGHTSHIFT_TENANT: 'piper' });
  assert.equal(piped.code, 0, piped.stderr);
  const lines = piped.stdout.trim().split('\n');
  assert.equal(lines.length, n, 'every line came through the pipe');
  assert.deepEqual(new Set(lines.map((l) => JSON.parse(l).clientRef)).size, n);
});

// Issue 25: with no scheduler listening, `pipeline run` crashed with a worker thread's stack trace.
test('no scheduler listening: each command says which address cannot be reached, with no stack trace, and exits 3', async () => {
  const port = await findFreePort('127.0.0.1');
  const env = { NIGHTSHIFT_SCHEDULER: `127.0.0.1:${port}`, NIGHTSHIFT_TENANT: 'acme' };
  const folder = join(dir, 'unreachable');
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'a.txt'), 'a document that goes nowhere');
  for (const args of [['--json', 'list'], ['batch', 'list'], ['pipeline', 'run', folder, '--op', 'minhash', '--out', join(dir, 'unreachable-out')]]) {
    const r = await nightshift(args, env);
    assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, new RegExp(`^nightshift \\S+: the scheduler at 127\\.0\\.0\\.1:${port} cannot be reached \\(ECONNREFUSED\\)\\n$`), args.join(' '));
  }
});
