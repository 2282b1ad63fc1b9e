import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// The scheduler's own tokenizer: what it measures is what the test expects.
import { encodeOrdinary as encode } from '@nightshift/tokenizer';
import { resolveOp, seededRandom, type OpSpec } from '@nightshift/proto';
import { runOp } from '@nightshift/worker/kernels';
import { BatchClient, type JobClient } from '../src/index.js';
import { bandsFor, clustersOf, LshIndex, nearDuplicates, runPipeline, shingleHashes, shingleSet, sortedJaccard, jaccard as setJaccard } from '../src/pipeline/index.js';
import { startSystem, type TestSystem } from './helpers/system.js';

const systems: TestSystem[] = [];
const clients: BatchClient[] = [];
const dir = mkdtempSync(join(tmpdir(), 'ns-pipeline-'));
after(async () => {
  for (const c of clients) c.close();
  await Promise.all(systems.map((s) => s.stop()));
  rmSync(dir, { recursive: true, force: true });
});

function batchClient(sys: TestSystem, tenant: string): BatchClient {
  const c = new BatchClient(sys.scheduler.address, tenant);
  clients.push(c);
  return c;
}

/** The corpus went as one batch: the tenant's only batch, and not one job. */
async function assertOneBatch(batches: BatchClient, jobs: JobClient): Promise<string> {
  const listed = await batches.listBatches({ states: [], pageSize: 0, pageToken: '' });
  assert.equal(listed.batches.length, 1, `batches: ${listed.batches.map((b) => `${b.id} ${b.state}`).join(', ')}`);
  assert.deepEqual((await jobs.listAllJobs()).map((j) => j.id), [], 'no jobs');
  return listed.batches[0]!.id;
}

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

test('LSH kept as band hashes finds the pairs that share a band; shingle hashes give the Jaccard of the shingle sets', () => {
  const rand = seededRandom(5);
  const base = Array.from({ length: 40 }, () => Uint32Array.from({ length: 128 }, () => Math.floor(rand() * 2 ** 32)));
  // Document 40 agrees with document 3 on the first 64 values only; 41 equals 7; the rest share nothing.
  const near = Uint32Array.from(base[3]!, (v, i) => (i < 64 ? v : v ^ 1));
  const signatures = [...base, near, Uint32Array.from(base[7]!)];
  const index = new LshIndex(signatures.length, 128, 0.8);
  signatures.forEach((s, i) => index.add(i, s));
  assert.deepEqual(index.candidates(), [[3, 40], [7, 41]]);
  const { pairs, clusters } = nearDuplicates(signatures, 0.8);
  assert.deepEqual(pairs, [[7, 41, 1]], 'estimated: 3 and 40 agree on half their values, below 0.8');
  assert.deepEqual(clusters, [[7, 41]]);
  assert.deepEqual(clustersOf([[5, 9], [1, 5], [20, 30]]), [[1, 5, 9], [20, 30]]);

  const doc = () => Array.from({ length: 200 }, () => Math.floor(rand() * 50));
  for (let k = 0; k < 20; k++) {
    const a = doc();
    const b = a.map((t) => (rand() < 0.05 ? Math.floor(rand() * 50) : t));
    const exact = setJaccard(shingleSet(a, 5), shingleSet(b, 5));
    assert.equal(sortedJaccard(shingleHashes(a, 5), shingleHashes(b, 5)), exact);
  }
  assert.equal(shingleHashes([1, 2], 5).length, 1, 'shorter than a shingle: the whole sequence');
  assert.equal(shingleHashes([], 5).length, 0);
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
  const batches = batchClient(sys, 'nightly');
  let admitted: string | undefined;
  const report = await runPipeline(batches, {
    source: corpus, op: 'minhash', out, threshold: 0.8, extra: { completionWindowSeconds: 86_400 }, itemsPerMessage: 16, onBatch: (b) => (admitted = b.id),
  });
  assert.equal(report.documents, texts.length);
  assert.deepEqual(report.skipped, [`${corpus}:8: not JSON`]);
  assert.equal(report.failed, 0);
  assert.equal(await assertOneBatch(batches, sys.client('nightly')), report.batchId);
  assert.equal(admitted, report.batchId);
  const batch = await batches.getBatch(report.batchId);
  assert.equal(batch.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(batch.items?.total, String(texts.length));
  assert.equal(report.tokens, Number(batch.tokens));
  assert.ok(report.units >= 1 && report.units < texts.length, `${report.units} units`);
  assert.ok(report.paddingEfficiency > 0.8 && report.paddingEfficiency <= 1);
  assert.ok(report.cost > 0 && report.quoted > 0, `cost ${report.cost}, quoted ${report.quoted}`);

  const results = readFileSync(join(out, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { custom_id: string; batch_id: string; index: number; state: string; result: number[]; cost: number });
  assert.deepEqual(results.map((r) => r.custom_id), texts.map((_, i) => `doc-${String(i).padStart(3, '0')}`), 'input order, custom_ids kept');
  assert.deepEqual(results.map((r) => r.index), texts.map((_, i) => i));
  assert.deepEqual(results.filter((r) => r.state !== 'succeeded' || r.result?.length !== 128 || r.batch_id !== report.batchId).map((r) => `${r.custom_id} ${r.state}`), []);
  const spec = resolveOp('minhash', null) as OpSpec;
  assert.deepEqual(results[17]!.result, Array.from(runOp(spec, Uint32Array.from(encode(texts[17]!)))), 'a signature as the kernel computes it');
  const shares = results.reduce((a, r) => a + r.cost, 0);
  assert.ok(Math.abs(shares - report.cost) <= 1e-9 * report.cost, `the documents' shares add up to the batch's cost: ${shares} vs ${report.cost}`);

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

test('a pipeline run killed (kill -9) mid-upload and run again sends only the rest: one batch, every document once, in input order; the same corpus as a new run comes from the result cache', async () => {
  const rand = seededRandom(7);
  const word = () => Array.from({ length: 3 + Math.floor(rand() * 6) }, () => String.fromCharCode(97 + Math.floor(rand() * 26))).join('');
  const n = 3000;
  const texts = Array.from({ length: n }, () => Array.from({ length: 100 }, word).join(' '));
  const corpus = join(dir, 'resume.jsonl');
  writeFileSync(corpus, `${texts.map((text, i) => JSON.stringify({ custom_id: `d${i}`, text })).join('\n')}\n`);
  // Small planning windows: the upload commits (and a resumed one skips) every 500 documents.
  const sys = await startSystem('pipeline-resume', { workers: 1, config: { batches: { planWindowItems: 500 } } });
  systems.push(sys);
  const batches = batchClient(sys, 'nightly');
  const env = { ...process.env, NIGHTSHIFT_SCHEDULER: sys.scheduler.address, NIGHTSHIFT_TENANT: 'nightly' };
  const main = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));
  const listed = async () => (await batches.listBatches({ states: [], pageSize: 0, pageToken: '' })).batches;
  /** `nightshift pipeline run`; with killAt, killed (SIGKILL) once the scheduler holds that many of its documents. */
  const run = (out: string, killAt?: number) =>
    new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, ['--conditions=nightshift-source', '--import', 'tsx', main, 'pipeline', 'run', corpus, '--op', 'minhash', '--out', out], { env });
      let stderr = '';
      let timer: NodeJS.Timeout | undefined;
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.stdout.resume();
      const look = async () => {
        const b = (await listed().catch(() => []))[0];
        // The pipeline declares its corpus's size: its batch runs while the upload is open.
        if (b?.uploadOpen && Number(b.items?.total) >= killAt!) child.kill('SIGKILL');
        else if (child.exitCode === null && child.signalCode === null) timer = setTimeout(() => void look(), 10);
      };
      if (killAt !== undefined) void look();
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stderr });
      });
    });
  const outA = join(dir, 'resume-a');

  const killed = await run(outA, n / 10);
  assert.equal(killed.signal, 'SIGKILL', killed.stderr);
  const cut = (await listed())[0]!;
  const before = Number(cut.items?.total);
  assert.equal(cut.uploadOpen, true, 'killed mid-upload');
  assert.equal(cut.declaredItems, String(n), 'the pipeline declared its size');
  assert.ok(before >= n / 10 && before < n, `${before} of ${n} documents stored when the run was killed`);

  const again = await run(outA);
  assert.equal(again.code, 0, again.stderr);
  const report = JSON.parse(readFileSync(join(outA, 'report.json'), 'utf8')) as Record<string, number | string>;
  assert.equal(report.documents, n);
  assert.ok(Number(report.resumed) >= before && Number(report.resumed) < n, `the run went on from document ${report.resumed}; ${before} were stored at the kill`);
  assert.equal(report.failed, 0);
  assert.equal(await assertOneBatch(batches, sys.client('nightly')), cut.id, 'the batch the killed run began');
  const batch = await batches.getBatch(cut.id);
  assert.equal(batch.state, 'BATCH_STATE_SUCCEEDED');
  assert.equal(batch.items?.total, String(n), 'every document stored once: none lost, none twice');
  assert.equal(batch.items?.succeeded, String(n));
  assert.equal(batch.unitsDone, batch.units);
  const results = (f: string) =>
    readFileSync(join(f, 'results.jsonl'), 'utf8').trim().split('\n').map((l) => {
      const r = JSON.parse(l) as { custom_id: string; result: number[] };
      return { custom_id: r.custom_id, result: r.result };
    });
  const got = results(outA);
  assert.deepEqual(got.map((r) => r.custom_id), texts.map((_, i) => `d${i}`));
  const spec = resolveOp('minhash', null) as OpSpec;
  for (let i = 0; i < n; i += 97) assert.deepEqual(got[i]!.result, Array.from(runOp(spec, Uint32Array.from(encode(texts[i]!)))), `d${i}'s signature`);

  // Run again into the same folder: the same batch, read back, nothing sent or computed again.
  const third = await run(outA);
  assert.equal(third.code, 0, third.stderr);
  const reread = JSON.parse(readFileSync(join(outA, 'report.json'), 'utf8')) as Record<string, number | string>;
  assert.equal(reread.batchId, cut.id);
  assert.equal(reread.resumed, n);
  assert.equal((await listed()).length, 1);
  assert.deepEqual(results(outA), got);

  // The same corpus as a new run (another folder): a second batch, every result from the cache, nothing computed, nothing spent.
  const outB = join(dir, 'resume-b');
  assert.equal((await run(outB)).code, 0);
  const cachedReport = JSON.parse(readFileSync(join(outB, 'report.json'), 'utf8')) as Record<string, number | string>;
  assert.notEqual(cachedReport.batchId, cut.id);
  assert.equal(cachedReport.cached, n);
  assert.equal(cachedReport.resumed, 0);
  assert.equal(cachedReport.units, 0);
  assert.equal(cachedReport.cost, 0);
  assert.deepEqual(results(outB), got);
  assert.equal((await listed()).length, 2);
  assert.deepEqual((await sys.client('nightly').listAllJobs()).map((j) => j.id), [], 'still no jobs');
});
