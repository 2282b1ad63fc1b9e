// pnpm bench:pipeline — the nightly pipeline (`nightshift pipeline run`: the corpus uploaded as one
// batch, its results read back in input order) on a generated corpus of 50,000 documents
// (BENCH_DOCS) through the whole local stack (its own redis-server, the scheduler and two worker
// processes, as deployed), against the ceiling: one process tokenizing the same corpus and calling
// the same native kernel on length-sorted batches, with no queue. Prints a table; BENCHMARKS.md
// records it.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Tokenizer } from '@nightshift/tokenizer';
import { seededRandom } from '@nightshift/proto';
import { BatchClient } from '../src/index.js';
import { runPipeline } from '../src/pipeline/index.js';
import { readCorpus } from '../src/pipeline/corpus.js';
import { startRedisServer, startSchedulerProcess, startWorkerProcess, type ServiceProcess, logNormalLengths } from '@nightshift/devtools';
import { table } from './table.js';
import { runInProcess } from './in-process.js';

const DOCS = Number(process.env.BENCH_DOCS ?? 50_000);
const WORKERS = 2;
const BATCH = 64;

/**
 * A corpus like a crawl's: documents of log-normal length (median 120 words, about 200 tokens) in
 * the words of the bundled sample corpus, drawn Zipf-like, and one document in twenty a near-copy
 * of an earlier one.
 */
function generateCorpus(file: string, n: number): void {
  const rand = seededRandom(2026);
  const sample = readFileSync(new URL('../samples/corpus.jsonl', import.meta.url), 'utf8');
  const vocabulary = [...new Set(sample.split('\n').filter(Boolean).flatMap((l) => (JSON.parse(l) as { text: string }).text.split(/\s+/)))].filter(Boolean);
  const word = () => vocabulary[Math.floor(vocabulary.length * rand() ** 2)]!;
  const lengths = logNormalLengths(n, 11, { median: 120, p99: 2500, max: 6000 });
  const texts: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && rand() < 0.05) {
      const words = texts[Math.floor(rand() * i)]!.split(' ');
      for (let k = 0; k < Math.max(1, words.length / 20); k++) words[Math.floor(rand() * words.length)] = word();
      texts.push(words.join(' '));
    } else texts.push(Array.from({ length: lengths[i]! }, word).join(' '));
  }
  writeFileSync(file, `${texts.map((text, i) => JSON.stringify({ custom_id: `doc-${i}`, text })).join('\n')}\n`);
}

/**
 * The ceiling: read and tokenize in this process (the pipeline's tokenizer, on as many threads as
 * the pipeline gives it), then the kernel on batches of similar length, as many at once as the
 * workers have threads.
 */
async function ceiling(file: string, op: 'minhash' | 'embed'): Promise<{ seconds: number; tokenizeSeconds: number }> {
  const t0 = performance.now();
  const { documents } = await readCorpus(file);
  const tokenizer = new Tokenizer(availableParallelism());
  const chunks = Array.from({ length: Math.ceil(documents.length / 256) }, (_, k) => documents.slice(k * 256, (k + 1) * 256).map((d) => d.text));
  const seqs = (await Promise.all(chunks.map((c) => tokenizer.encodeMany(c)))).flat();
  await tokenizer.close();
  const tokenizeSeconds = (performance.now() - t0) / 1000;
  const order = seqs.map((_, i) => i).sort((a, b) => seqs[a]!.length - seqs[b]!.length);
  const batches = Array.from({ length: Math.ceil(order.length / BATCH) }, (_, b) => order.slice(b * BATCH, (b + 1) * BATCH).map((i) => seqs[i]!));
  await runInProcess(op, batches, WORKERS);
  return { seconds: (performance.now() - t0) / 1000, tokenizeSeconds };
}

async function main(): Promise<void> {
  const say = (s = '') => process.stdout.write(`${s}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'ns-bench-pipeline-'));
  const file = join(dir, 'corpus.jsonl');
  generateCorpus(file, DOCS);
  const redis = await startRedisServer();
  const workers: ServiceProcess[] = [];
  const rows: string[][] = [];
  try {
    for (let i = 1; i <= WORKERS; i++) workers.push(await startWorkerProcess(`w${i}`));
    say(`machine: ${cpus()[0]?.model ?? 'unknown'}, ${cpus().length} cores; ${DOCS.toLocaleString('en-US')} documents; ${WORKERS} worker processes of 1 kernel thread; redis-server of its own`);
    for (const op of (process.env.BENCH_OPS ?? 'minhash,embed').split(',') as Array<'minhash' | 'embed'>) {
      // A scheduler (and so a result cache) of its own for each op: nothing is answered from an earlier run.
      const scheduler = await startSchedulerProcess(redis.url, `bench-pipeline-${op}`, workers, process.env.BENCH_PROFILE ? { NIGHTSHIFT_NODE_FLAGS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE}` } : {});
      const client = new BatchClient(scheduler.ready.address, 'nightly');
      const marks: Record<string, number> = {};
      const t0 = performance.now();
      const report = await runPipeline(client, {
        source: file, op, out: join(dir, op), threshold: 0.8, extra: {},
        progress: (phase, done, total) => done === total && (marks[phase] = (performance.now() - t0) / 1000),
      });
      const total = (performance.now() - t0) / 1000;
      client.close();
      await scheduler.stop();
      const best = await ceiling(file, op);
      const untilResults = marks.run ?? total;
      rows.push([
        op,
        `${(report.documents / untilResults).toFixed(0)} / ${(report.tokens / untilResults / 1e6).toFixed(2)} M`,
        total.toFixed(1),
        (marks.submit ?? 0).toFixed(1),
        untilResults.toFixed(1),
        `${(report.documents / best.seconds).toFixed(0)} / ${(report.tokens / best.seconds / 1e6).toFixed(2)} M`,
        best.seconds.toFixed(1),
        best.tokenizeSeconds.toFixed(1),
        (best.seconds / untilResults).toFixed(2),
        `${report.units} / ${report.paddingEfficiency.toFixed(3)}`,
        `$${report.cost.toPrecision(3)} / $${report.quoted.toPrecision(3)}`,
        report.duplicatePairs !== undefined ? `${report.duplicatePairs} in ${report.duplicateClusters}` : '',
      ]);
      process.stderr.write('.');
    }
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stderr.write('\n');
  say(
    table(
      ['op', 'pipeline docs/s / tok/s', 'pipeline s', 'all uploaded s', 'last result s', 'ceiling docs/s / tok/s', 'ceiling s', 'of it tokenizing s', 'pipeline ÷ ceiling', 'units / padding', 'cost / quote', 'near-dup pairs in clusters'],
      rows,
    ),
  );
}

await main();
