// Issue 18: `nightshift batch`, run as its own process against a real system (workers, Redis, gRPC).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOp, type OpSpec } from '@nightshift/proto';
import { runOp } from '@nightshift/worker/kernels';
import { BatchClient } from '../src/index.js';
import { encodeOrdinary as encodeText } from '@nightshift/tokenizer';
import { startSystem, type TestSystem } from './helpers/system.js';
import { nightshift, nightshiftPiped } from './helpers/cli.js';
import { rng } from './helpers/workload.js';

let sys: TestSystem;
let env: Record<string, string>;
let client: BatchClient;
const dir = mkdtempSync(join(tmpdir(), 'ns-cli-batch-'));
before(async () => {
  // Small planning windows: an upload stores (and a resumed one skips) whole windows.
  sys = await startSystem('cli-batch', { workers: 1, config: { batches: { planWindowItems: 2000 } } });
  env = { NIGHTSHIFT_SCHEDULER: sys.scheduler.address, NIGHTSHIFT_TENANT: 'acme' };
  client = new BatchClient(sys.scheduler.address, 'acme');
});
after(async () => {
  client?.close();
  await sys?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const WORDS = 'the a night shift batch of documents runs on workers while the scheduler packs them by length'.split(' ');
function words(rand: () => number, n: number): string {
  return Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');
}

/** Request lines in every shape `batch create` reads, and the tokens each should become. */
function requests(n: number, seed: number): { lines: string[]; tokens: Uint32Array[]; ids: string[] } {
  const rand = rng(seed);
  const lines: string[] = [];
  const tokens: Uint32Array[] = [];
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const id = `req-${i}`;
    const text = words(rand, 3 + Math.floor(rand() * 80));
    let line: object;
    let expected = text;
    switch (i % 6) {
      case 0: line = { custom_id: id, method: 'POST', url: '/v1/embeddings', body: { model: 'any', input: text } }; break;
      case 1: line = { custom_id: id, method: 'POST', url: '/v1/embeddings', body: { input: [text] } }; break;
      case 2:
        line = { custom_id: id, method: 'POST', url: '/v1/chat/completions', body: { messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: [{ type: 'text', text }, { type: 'image_url', image_url: { url: 'x' } }] }] } };
        expected = `be brief\n${text}`;
        break;
      case 3: line = { custom_id: id, method: 'POST', url: '/v1/completions', body: { prompt: text } }; break;
      case 4: line = { custom_id: id, text }; break;
      default: {
        const t = Array.from(encodeText(text));
        line = { custom_id: id, tokens: t };
      }
    }
    lines.push(JSON.stringify(line));
    tokens.push(encodeText(expected));
    ids.push(id);
  }
  return { lines, tokens, ids };
}

const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, any>;

test('batch create from Batch-API JSONL, watch, get, list and results: every item in input order with its reference signature', async () => {
  const { lines, tokens, ids } = requests(300, 18);
  const file = join(dir, 'requests.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  const created = await nightshift(['batch', 'create', file, '--json', '--op', 'minhash', '--params', '{"num_perm": 64}', '--label', 'run=nightly', '--label', 'team=search', '--priority', '3'], env);
  assert.equal(created.code, 0, created.stderr);
  const b = lastJson(created.stdout);
  assert.match(b.state, /^(queued|running|succeeded)$/);
  assert.equal(b.items.total, 300);
  assert.deepEqual(b.params, { numPerm: 64, shingle: 5, seed: '1' });
  assert.deepEqual(b.labels, { run: 'nightly', team: 'search' });
  assert.equal(b.priority, 3);
  assert.match(b.idempotencyKey, /^file:requests\.jsonl:[0-9a-f]{32}$/);
  assert.ok(b.quote.price > 0);

  const watch = await nightshift(['batch', 'watch', b.id], env);
  assert.equal(watch.code, 0, watch.stderr);
  assert.match(watch.stdout, new RegExp(`^${b.id}  succeeded  minhash   300 items \\(300 ok\\)`));
  // Without a terminal: JSON lines of progress on stderr, the last one final.
  const updates = watch.stderr.trim().split('\n').map((l) => JSON.parse(l) as { state: string; done: number; total: number });
  assert.deepEqual(updates.at(-1)!.state, 'succeeded');
  assert.equal(updates.at(-1)!.done, 300);

  const out = join(dir, 'results.jsonl');
  const res = await nightshift(['batch', 'results', b.id, '--out', out], env);
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stderr, /300 results \(0 errors\) written to /);
  const text = readFileSync(out, 'utf8');
  const got = text.trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; index: number; result: { signature: number[] }; cost: number });
  assert.deepEqual(got.map((r) => r.custom_id), ids, 'every line, in input order');
  const spec = resolveOp('minhash', { minhash: { numPerm: '64' } } as never) as OpSpec;
  got.forEach((r, i) => {
    assert.equal(r.index, i);
    assert.deepEqual(r.result.signature, Array.from(runOp(spec, tokens[i]!)), `${r.custom_id}: the signature of its text`);
    assert.equal(typeof r.cost, 'number');
  });

  // Resumed from an index into the same file: a line cut off by a crash is dropped and written again.
  truncateSync(out, text.indexOf('\n', text.length / 2) + 20);
  const again = await nightshift(['batch', 'results', b.id, '--from', '150', '--out', out], env);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(readFileSync(out, 'utf8'), text);
  const tooFar = await nightshift(['batch', 'results', b.id, '--from', '400', '--out', out], env);
  assert.equal(tooFar.code, 1);
  assert.match(tooFar.stderr, /holds 300 whole lines; resume with --from 300/);

  // The same command again finds the same batch by its key: nothing is uploaded twice.
  const twice = await nightshift(['batch', 'create', file, '--json', '--op', 'minhash', '--params', '{"minhash": {"num_perm": 64}}'], env);
  assert.equal(twice.code, 0, twice.stderr);
  assert.equal(lastJson(twice.stdout).id, b.id);
  assert.equal(lastJson(twice.stdout).items.total, 300);

  const get = await nightshift(['batch', 'get', b.id], env);
  assert.match(get.stdout, new RegExp(`^${b.id}  succeeded `));
  const list = await nightshift(['batch', 'list', '--state', 'succeeded', '--json'], env);
  assert.ok(list.stdout.trim().split('\n').some((l) => JSON.parse(l).id === b.id), list.stdout);
  const bogus = await nightshift(['batch', 'list', '--state', 'finished'], env);
  assert.equal(bogus.code, 1);
  assert.match(bogus.stderr, /--state "finished" is not one of uploading, /);
  const missing = await nightshift(['batch', 'get', '00000000-0000-4000-8000-000000000000'], env);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^nightshift batch: batch 00000000-0000-4000-8000-000000000000 not found/);
});

test('batch results | head -1: the closed pipe ends the command quietly with exit 0', async () => {
  // Enough results (about 400 kB) that the command is still writing when head has gone.
  const { lines } = requests(300, 25);
  const file = join(dir, 'piped.jsonl');
  writeFileSync(file, lines.join('\n'));
  const created = await nightshift(['batch', 'create', file, '--json', '--op', 'minhash', '--watch'], env);
  assert.equal(created.code, 0, created.stderr);
  const id = lastJson(created.stdout).id as string;
  const piped = await nightshiftPiped(`batch results ${id}`, 'head -1', env);
  assert.equal(piped.stderr, '', 'no stack trace');
  assert.equal(piped.code, 0);
  const only = piped.stdout.trim().split('\n');
  assert.equal(only.length, 1);
  assert.equal(JSON.parse(only[0]!).custom_id, 'req-0');
});

test('a bad line is reported by file and line and holds the batch back; the same command with --skip-bad admits that batch without it', async () => {
  const { lines, ids } = requests(120, 7);
  lines[4] = '{"custom_id": "broken", "text": ';
  lines[60] = JSON.stringify({ custom_id: 'other-op', op: 'embed', text: 'not the batch op' });
  lines.splice(30, 0, '');
  const file = join(dir, 'bad.jsonl');
  writeFileSync(file, lines.join('\n'));
  const held = await nightshift(['batch', 'create', file, '--op', 'minhash'], env);
  assert.equal(held.code, 1);
  assert.match(held.stderr, new RegExp(`${file}:5: not JSON`));
  assert.match(held.stderr, new RegExp(`${file}:62: op embed\\(.*\\) differs from the batch's minhash\\(.*\\) \\(set by line 1\\)`));
  assert.match(held.stderr, /2 bad lines; batch \S+ was not admitted\. .*--skip-bad/);
  const open = await client.listBatches({ states: ['BATCH_STATE_UPLOADING'], pageSize: 0, pageToken: '' });
  assert.equal(open.batches.length, 1, 'the good items wait in an open upload');

  const skipped = await nightshift(['batch', 'create', file, '--op', 'minhash', '--skip-bad', '--json'], env);
  assert.equal(skipped.code, 0, skipped.stderr);
  assert.match(skipped.stderr, /2 bad lines left out \(--skip-bad\)/);
  // --json: the bad lines as JSON on stdout, then the batch.
  const out = skipped.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
  assert.deepEqual(out.slice(0, 2).map((o) => o.where), [`${file}:5`, `${file}:62`]);
  const b = out.at(-1)!;
  assert.equal(b.id, open.batches[0]!.id);
  assert.equal(b.items.total, 118);
  const results = await nightshift(['batch', 'results', b.id], env);
  const got = results.stdout.trim().split('\n').map((l) => JSON.parse(l).custom_id as string);
  assert.deepEqual(got, ids.filter((_, i) => i !== 4 && i !== 60));

  // A file whose lines are all bad, or that names no op, uploads nothing.
  writeFileSync(join(dir, 'noop.jsonl'), `${JSON.stringify({ custom_id: 'x', text: 'no op anywhere' })}\n`);
  const noOp = await nightshift(['batch', 'create', join(dir, 'noop.jsonl')], env);
  assert.equal(noOp.code, 1);
  assert.match(noOp.stderr, /noop\.jsonl:1: no op: give --op/);
  assert.match(noOp.stderr, /noop\.jsonl: no item to upload, 1 bad line/);
  const badParams = await nightshift(['batch', 'create', join(dir, 'noop.jsonl'), '--op', 'minhash', '--params', '{"dim": 8}'], env);
  assert.match(badParams.stderr, /params\.minhash: unknown field "dim" \(known: num_perm, shingle, seed\)/);

  // An upload held back can be dropped.
  const drop = await nightshift(['batch', 'create', file, '--op', 'minhash', '--key', 'to-drop'], env);
  const id = drop.stderr.match(/batch (\S+) was not admitted/)?.[1];
  assert.ok(id, drop.stderr);
  const cancel = await nightshift(['batch', 'cancel', id], env);
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.match(cancel.stdout, new RegExp(`^${id}  cancelled `));
});

test('an upload killed partway resumes when the same command runs again: the server says what it holds, and every item is there once', async () => {
  const n = 20_000;
  const rand = rng(99);
  const ids = Array.from({ length: n }, (_, i) => `doc-${i}`);
  const file = join(dir, 'large.jsonl');
  writeFileSync(file, `${ids.map((id) => JSON.stringify({ custom_id: id, method: 'POST', url: '/v1/embeddings', body: { input: words(rand, 20 + Math.floor(rand() * 60)) } })).join('\n')}\n`);
  const args = ['batch', 'create', file, '--op', 'minhash', '--params', '{"num_perm": 16}', '--json'];
  // Killed (-9) as soon as the scheduler has stored a chunk of the upload.
  let stored = 0;
  const first = await nightshift(args, env, (child) => {
    const poll = async () => {
      while (child.exitCode === null) {
        const open = await client.listBatches({ states: ['BATCH_STATE_UPLOADING'], pageSize: 0, pageToken: '' });
        stored = Number(open.batches[0]?.items?.total ?? 0);
        if (stored > 0) {
          child.kill('SIGKILL');
          return;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    void poll();
  });
  assert.equal(first.code, -1, `killed mid-upload, not finished: ${first.stderr}`);
  assert.ok(stored > 0 && stored < n);

  const second = await nightshift(args, env);
  assert.equal(second.code, 0, second.stderr);
  const m = second.stderr.match(/resuming: the server holds (\d+) items/);
  assert.ok(m && Number(m[1]) >= stored && Number(m[1]) < n, second.stderr);
  const b = lastJson(second.stdout);
  assert.equal(b.items.total, n);
  const results = await nightshift(['batch', 'results', b.id], env);
  assert.equal(results.code, 0, results.stderr);
  const got = results.stdout.trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; index: number; result?: { signature: number[] } });
  assert.deepEqual(got.map((r) => r.custom_id), ids, 'every item once, in input order');
  assert.ok(got.every((r, i) => r.index === i && r.result?.signature.length === 16));
});
