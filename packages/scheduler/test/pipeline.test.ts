import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { seededRandom } from '@nightshift/proto';
import { bandsFor, runPipeline } from '../src/pipeline/index.js';
import { startSystem, type TestSystem } from './helpers/system.js';

const systems: TestSystem[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ns-pipeline-'));
after(async () => {
  await Promise.all(systems.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

/** Jaccard similarity of two texts' sets of 5-token shingles: the truth the MinHash signatures estimate. */
function jaccard(a: string, b: string): number {
  const shingles = (t: string) => {
    const ids = encode(t);
    const out = new Set<string>();
    for (let i = 0; i + 5 <= ids.length; i++) out.add(ids.slice(i, i + 5).join(','));
    return out;
  };
  const [x, y] = [shingles(a), shingles(b)];
  let both = 0;
  for (const s of x) if (y.has(s)) both++;
  return both / (x.size + y.size - both);
}

test('LSH bands for 128 values and a threshold of 0.8 put the S-curve near 0.8', () => {
  const { bands, rows } = bandsFor(128, 0.8);
  assert.ok(bands * rows <= 128);
  const knee = (1 / bands) ** (1 / rows);
  // Below the threshold: pairs at 0.8 are candidates nearly always (a miss costs more than a check).
  assert.ok(knee > 0.5 && knee < 0.8, `(1/b)^(1/r) = ${knee} for ${bands} bands of ${rows}`);
  assert.ok(1 - (1 - 0.8 ** rows) ** bands > 0.99, 'a pair at 0.8 is a candidate in more than 99% of cases');
});

test('pipeline run: a corpus with planted near-duplicates; results in input order; pairs found with recall ≥ 0.95 and precision ≥ 0.9; bad lines skipped', async () => {
  const rand = seededRandom(99);
  const vocabulary = Array.from({ length: 3000 }, () => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join(''));
  const doc = () => Array.from({ length: 160 }, () => vocabulary[Math.floor(rand() * vocabulary.length)]).join(' ');
  const mutate = (text: string, k: number) => {
    const words = text.split(' ');
    for (let i = 0; i < k; i++) words[Math.floor(rand() * words.length)] = vocabulary[Math.floor(rand() * vocabulary.length)]!;
    return words.join(' ');
  };
  const texts: string[] = [];
  for (let i = 0; i < 60; i++) texts.push(doc());
  // 50 planted pairs, from 1 to 14 words changed: true similarity from about 0.5 to 0.97.
  for (let p = 0; p < 50; p++) texts.push(mutate(texts[p % 60]!, 1 + (p % 14)));
  const lines = texts.map((text, i) => JSON.stringify({ custom_id: `doc-${String(i).padStart(3, '0')}`, text }));
  lines.splice(7, 0, '{"custom_id": "broken"');
  const corpus = join(dir, 'corpus.jsonl');
  writeFileSync(corpus, `${lines.join('\n')}\n`);

  const sys = await startSystem('pipeline', { workers: 1 });
  systems.push(sys);
  const out = join(dir, 'out');
  const report = await runPipeline(sys.client('nightly'), { source: corpus, op: 'minhash', out, threshold: 0.8, extra: { completionWindowSeconds: 86_400 } });
  assert.equal(report.documents, texts.length);
  assert.deepEqual(report.skipped, [`${corpus}:8: not JSON`]);
  assert.equal(report.failed, 0);
  assert.ok(report.batches >= 1 && report.batches < texts.length, `${report.batches} batches`);
  assert.ok(report.paddingEfficiency > 0.8 && report.paddingEfficiency <= 1);

  const results = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; state: string; result: number[] });
  assert.deepEqual(results.map((r) => r.custom_id), texts.map((_, i) => `doc-${String(i).padStart(3, '0')}`), 'input order, custom_ids kept');
  assert.deepEqual(results.filter((r) => r.state !== 'succeeded' || r.result?.length !== 128).map((r) => `${r.custom_id} ${r.state}`), []);

  // Every pair the pipeline calls near-duplicate, against the truth.
  const index = new Map(results.map((r, i) => [r.custom_id, i]));
  const found = new Set<string>();
  for (const line of readFileSync(join(out, 'clusters.jsonl'), 'utf8').trim().split('\n')) {
    const members = (JSON.parse(line) as { documents: string[] }).documents.map((d) => index.get(d)!);
    for (let x = 0; x < members.length; x++) for (let y = x + 1; y < members.length; y++) found.add(`${members[x]},${members[y]}`);
  }
  const truth = new Set<string>();
  for (let p = 0; p < 50; p++) {
    const [a, b] = [p % 60, 60 + p];
    if (jaccard(texts[a]!, texts[b]!) >= 0.8) truth.add(`${a},${b}`);
  }
  const hits = [...found].filter((k) => truth.has(k) || (() => {
    const [a, b] = k.split(',').map(Number);
    return jaccard(texts[a!]!, texts[b!]!) >= 0.8;
  })());
  const recall = [...truth].filter((k) => found.has(k)).length / truth.size;
  const precision = found.size ? hits.length / found.size : 1;
  assert.ok(truth.size >= 10, `${truth.size} planted pairs at 0.8 or above`);
  assert.ok(recall >= 0.95, `recall ${recall} (${truth.size} true pairs)`);
  assert.ok(precision >= 0.9, `precision ${precision} (${found.size} found)`);
  assert.equal(report.duplicatePairs! >= truth.size * 0.95, true);
});

test('pipeline schedule: runs on its cron, never two at once, each run with its own folder', async () => {
  const { schedulePipeline } = await import('../src/pipeline/index.js');
  const out = join(dir, 'scheduled');
  let inFlight = 0;
  let most = 0;
  const skipped: unknown[] = [];
  // Every second; each run takes 2.5 s, so firings fall while one is going.
  const s = schedulePipeline('* * * * * *', out, async (runDir) => {
    inFlight++;
    most = Math.max(most, inFlight);
    writeFileSync(join(runDir, 'report.json'), '{}');
    await new Promise((r) => setTimeout(r, 2500));
    inFlight--;
  }, { info: () => undefined, warn: (o: unknown) => skipped.push(o) } as never);
  await new Promise((r) => setTimeout(r, 6500));
  await s.stop();
  assert.ok(s.runs.length >= 2, `${s.runs.length} runs`);
  assert.equal(most, 1, 'never two runs at once');
  assert.ok(skipped.length >= 2, 'firings during a run were skipped, and said so');
  for (let i = 1; i < s.runs.length; i++) assert.ok(s.runs[i]!.start >= s.runs[i - 1]!.end, 'each run starts after the last ended');
  assert.equal(new Set(s.runs.map((r) => r.dir)).size, s.runs.length);
  for (const r of s.runs) assert.equal(readFileSync(join(r.dir, 'report.json'), 'utf8'), '{}');
  assert.throws(() => schedulePipeline('every night', out, async () => undefined, console as never), /not a cron expression/);
});

test('a pipeline run killed (kill -9) halfway and run again computes only the rest; an unchanged corpus then comes from the result cache', async () => {
  const rand = seededRandom(7);
  const word = () => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
  const n = 3000;
  const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ custom_id: `d${i}`, text: Array.from({ length: 40 }, word).join(' ') }));
  const corpus = join(dir, 'resume.jsonl');
  writeFileSync(corpus, `${lines.join('\n')}\n`);
  const sys = await startSystem('pipeline-resume', { workers: 1 });
  systems.push(sys);
  const client = sys.client('nightly');
  const env = { ...process.env, NIGHTSHIFT_SCHEDULER: sys.scheduler.address, NIGHTSHIFT_TENANT: 'nightly' };
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const run = (out: string, killAfter?: number) =>
    new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', main, 'pipeline', 'run', corpus, '--op', 'minhash', '--out', out], { env });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => {
        stderr += d;
        const m = [...stderr.matchAll(/submitted (\d+)\//g)].at(-1);
        if (killAfter !== undefined && m && Number(m[1]) >= killAfter) child.kill('SIGKILL');
      });
      child.stdout.resume();
      child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
    });
  const outA = join(dir, 'resume-a');

  const killed = await run(outA, n / 10);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const before = (await client.listAllJobs()).length;
  assert.ok(before >= n / 10 && before < n, `${before} of ${n} documents submitted when the run was killed`);

  const again = await run(outA);
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(readFileSync(join(outA, 'report.json'), 'utf8')) as Record<string, number>;
  assert.equal(report.documents, n);
  assert.equal(report.resumed, before, 'the jobs submitted before the crash were taken up again');
  assert.equal(report.failed, 0);
  const jobs = await client.listAllJobs();
  assert.equal(jobs.length, n, 'one job per document over both runs: nothing submitted twice');
  assert.deepEqual(jobs.filter((j) => j.state !== 'JOB_STATE_SUCCEEDED' || j.attempts !== 1 || j.cached).map((j) => j.id), [], 'each computed exactly once');
  assert.ok(report.aloneOnDemandCost! > report.cost!, `batched ${report.cost} against alone on demand ${report.aloneOnDemandCost}`);

  // The same corpus again, as a new run (another folder): every result from the cache, nothing computed, nothing spent.
  const outB = join(dir, 'resume-b');
  assert.equal((await run(outB)).code, 0);
  const cachedReport = JSON.parse(readFileSync(join(outB, 'report.json'), 'utf8')) as Record<string, number>;
  assert.equal(cachedReport.cached, n);
  assert.equal(cachedReport.resumed, 0);
  assert.equal(cachedReport.batches, 0);
  assert.equal(cachedReport.cost, 0);
  const results = (f: string) => readFileSync(join(f, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { result: number[] }).result);
  assert.deepEqual(results(outB), results(outA));
});
