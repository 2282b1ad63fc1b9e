import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const samples = join(dirname(createRequire(import.meta.url).resolve('@nightshift/scheduler/package.json')), 'samples');

test('the demo runs the whole system on a corpus as one batch per op, with a few interactive jobs beside, prints its report, exits 0 and leaves no keys behind', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-demo-'));
  try {
    const docs = readFileSync(join(samples, 'corpus.jsonl'), 'utf8').split('\n').filter(Boolean).slice(0, 12);
    const corpus = join(dir, 'small.jsonl');
    writeFileSync(corpus, docs.join('\n') + '\n');
    const child = spawn(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', 'src/demo/main.ts', '--corpus', corpus, '--ops', 'minhash,embed', '--out', join(dir, 'out')], { cwd: pkg });
    // stdout and stderr are pipes here, as in CI or `pnpm demo > log`.
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const out = stdout + stderr;
    assert.equal(code, 0, out);
    // No progress bars off a terminal: no escape codes, no bar drawn, one plain line as each phase of each run ends.
    assert.doesNotMatch(out, /\x1b\[/);
    assert.doesNotMatch(out, /\[[\u2588\u2591=-]+\]/);
    for (const op of ['minhash', 'embed']) {
      for (const phase of ['uploaded', 'finished']) assert.equal(stdout.split(`\n  ${op.padEnd(7)} ${phase} 12/12\n`).length, 2, `one "${op} ${phase}" line in:\n${stdout}`);
    }
    assert.equal(stderr, '');
    assert.match(out, /batches {9}2 \(one per op, the whole corpus in each\)/);
    assert.match(out, /documents {7}12\n/);
    // Each op's batch: its id, the 12 documents, its units, padding, cost against its quote, upload, ETA and run time.
    const ids = ['minhash', 'embed'].map((op) => {
      const m = new RegExp(`\\n  ${op} +(\\S{36}) +12 +(\\d+) +[\\d.]+% +\\$[\\d.e-]+ / \\$[\\d.e-]+ +[\\d.]+ +[\\d.]+ / [\\d.]+ +\\d+\\n`).exec(out);
      assert.ok(m, `${op}'s batch line in:\n${out}`);
      assert.ok(Number(m[2]) >= 1 && Number(m[2]) <= 12, `${m[2]} units`);
      return m[1]!;
    });
    assert.notEqual(ids[0], ids[1]);
    // Interactive jobs beside the first batch: the Jobs API, as before.
    assert.match(out, new RegExp(`\\n  jobs {12}3 \\(3 SUCCEEDED\\), interactive, sent next to the minhash batch ${ids[0]}:\\n( {4}\\S+ +SUCCEEDED +[\\d.]+ s, the batch then at \\d+/\\d+ units\\n){3}`));
    for (const op of ['minhash', 'embed']) assert.match(out, new RegExp(`\\n  ${op} +12 `));
    assert.match(out, /\n  minhash +12 +0\/0\/0 +\$[\d.e-]+ +\$[\d.e-]+ +\d+ pairs in \d+ clusters/);
    // The pipeline wrote its results, in input order.
    const results = readFileSync(join(dir, 'out/minhash/results.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { custom_id: string }).custom_id);
    assert.deepEqual(results, docs.map((d) => (JSON.parse(d) as { custom_id: string }).custom_id));
    // The services' logs went to files, not into the report; the scheduler's start-up warning is counted there.
    assert.doesNotMatch(out, /"level":/);
    assert.match(out, /service logs: .*\/logs \(\d+ warnings? or errors?\)\n {4}1× authentication is off/);
    assert.match(readFileSync(join(dir, 'out/logs/scheduler.log'), 'utf8'), /"msg":"authentication is off/);
    const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    const [, left] = await redis.scan('0', 'MATCH', `nsdemo-${child.pid}:*`, 'COUNT', 100_000);
    redis.disconnect();
    assert.deepEqual(left, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a demo that fails says so, exits 1 and names where the services logged', async () => {
  const child = spawn(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', 'src/demo/main.ts', '--corpus', '/nonexistent/corpus.jsonl'], { cwd: pkg });
  let out = '';
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  assert.equal(code, 1);
  const m = /^demo failed: ENOENT.*\/nonexistent\/corpus\.jsonl.* \(the services' logs: (.+\/logs)\)$/m.exec(out);
  assert.ok(m, out);
  assert.match(readFileSync(join(m[1]!, 'scheduler.log'), 'utf8'), /authentication is off/);
  rmSync(join(m[1]!, '..'), { recursive: true, force: true });
});
