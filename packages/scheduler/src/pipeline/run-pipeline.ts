import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { availableParallelism } from 'node:os';
import { Tokenizer } from '@nightshift/tokenizer';
import { fromTimestamp, packTokens, type Batch__Output, type BatchHeader, type BatchItem } from '@nightshift/proto';
import type { BatchClient } from '../client/index.js';
import { corpusDocuments, surveyCorpus } from './corpus.js';
import { clustersOf, LshIndex, shingleHashes, sortedJaccard } from './lsh.js';

/** minhash's default shingle, which the pipeline's batches use. */
const SHINGLE = 5;
/** Documents tokenized on the thread at once; up to AHEAD such chunks wait, tokenized, to be sent. */
const CHUNK = 256;
const AHEAD = 4;

export interface PipelineOptions {
  source: string;
  op: 'minhash' | 'embed';
  out: string;
  /** Jaccard similarity at or above which two documents are near-duplicates (minhash). */
  threshold: number;
  /** The batch's scheduling fields (a deadline or completion window lets it wait for a cheap window). */
  extra: Partial<Pick<BatchHeader, 'params' | 'priority' | 'deadline' | 'completionWindowSeconds' | 'maxCost' | 'maxAttempts'>>;
  /**
   * Names the run for resuming: the batch's idempotency key is made of it, the op, its params and
   * a digest of the corpus, so a run started again with the same key (after a crash) sends only
   * the documents the scheduler does not hold yet, or reads back the batch an earlier run
   * finished. Default: the output folder's path.
   */
  runKey?: string;
  /** Told of progress: documents sent ('submit'), and documents done ('run'), of the total. */
  progress?: (phase: 'submit' | 'run', done: number, total: number) => void;
  /** Told of the batch once its upload has closed, while it runs. */
  onBatch?: (batch: Batch__Output) => void;
  /** Documents a CreateBatch message carries (the client's default: 512). */
  itemsPerMessage?: number;
}

export interface PipelineReport {
  source: string;
  op: string;
  /** The batch that carried the corpus. */
  batchId: string;
  documents: number;
  tokens: number;
  skipped: string[];
  failed: number;
  /** Documents the scheduler already held when this run began: an earlier run with this run key sent them. */
  resumed: number;
  /** Documents answered from the scheduler's result cache: their content was computed before. */
  cached: number;
  /** Documents with the same content as an earlier document of the corpus: computed once, reported for each. */
  repeated: number;
  /** Units the batch ran in (formed batches, each sent to one worker). */
  units: number;
  paddedTokens: number;
  /** The batch's tokens ÷ its padded tokens. */
  paddingEfficiency: number;
  /** US dollars: what the batch cost, and the quote it was admitted with. */
  cost: number;
  quoted: number;
  /** The window the batch was placed in. */
  window: string;
  /** When the upload closed, how much longer the scheduler expected the batch to take (its ETA from then). */
  etaSeconds: number;
  /** From the start to the upload's close (the corpus read, tokenized and uploaded; units run meanwhile). */
  uploadSeconds: number;
  /** From the upload's close to the last result read. */
  runSeconds: number;
  seconds: number;
  documentsPerSecond: number;
  duplicateClusters?: number;
  duplicatePairs?: number;
}

const FINAL = new Set(['BATCH_STATE_SUCCEEDED', 'BATCH_STATE_FAILED', 'BATCH_STATE_CANCELLED']);

/**
 * The nightly pipeline, once: read the corpus as a stream, tokenize it (o200k_base, here, so the
 * scheduler gets token ids), upload it as one batch under one tenant with the deadline given,
 * and read the results back in input order as they come, writing results.jsonl
 * ({custom_id, batch_id, index, state, result, cost}); for minhash also clusters.jsonl
 * (near-duplicate groups by LSH); and report.json. Memory holds the LSH bands (4 bytes a band
 * a document), not the corpus.
 */
export async function runPipeline(batches: BatchClient, o: PipelineOptions): Promise<PipelineReport> {
  const started = Date.now();
  // A first pass for the count (progress), the problems and the content's digest (the batch's key).
  const survey = await surveyCorpus(o.source);
  const n = survey.documents;
  const runKey = digest(o.runKey ?? resolve(o.out));
  const baseKey = `pipeline:${runKey}:${o.op}:${digest(JSON.stringify(o.extra.params ?? {}))}:${survey.digest}`;
  // Every core this machine gives, up to the chunks read ahead: bulk tokenizing is most of the client's work.
  const tokenizer = new Tokenizer(Math.min(AHEAD, availableParallelism()));
  try {
    let batch: Batch__Output | undefined;
    let resumed = 0;
    // A key whose batch an earlier run ended without results (refused, cancelled) is passed over for the next.
    for (let attempt = 1; !batch; attempt++) {
      let stored = 0;
      const { params, priority, deadline, completionWindowSeconds, maxCost, maxAttempts } = o.extra;
      const header: BatchHeader = {
        op: o.op, params, priority, deadline, completionWindowSeconds, maxCost, maxAttempts,
        idempotencyKey: attempt === 1 ? baseKey : `${baseKey}#${attempt}`,
        labels: { pipeline: o.op, source: basename(o.source).slice(0, 256) },
        // Its size up front, so that units run while the corpus is still read and sent. A token is at
        // least one byte of text, so the texts' bytes bound the tokens (the reservation is trued down at the close).
        ...(n > 0 ? { declaredItems: n, declaredTokens: Math.max(1, survey.bytes) } : {}),
      };
      const b = await batches.create(header, documentItems(o.source, n, tokenizer, () => stored), {
        ...(o.itemsPerMessage ? { itemsPerMessage: o.itemsPerMessage } : {}),
        onStored: (k) => {
          stored = k;
          o.progress?.('submit', Math.min(k, n), n);
        },
        onProgress: (sent) => o.progress?.('submit', Math.min(sent, n), n),
      });
      const earlier = b.createdAt !== null && fromTimestamp(b.createdAt) < started;
      if (earlier && (b.state === 'BATCH_STATE_FAILED' || b.state === 'BATCH_STATE_CANCELLED')) continue;
      if (b.state === 'BATCH_STATE_FAILED') throw new Error(`batch ${b.id} failed: ${b.error}`);
      if (Number(b.items?.total ?? 0) !== n) throw new Error(`batch ${b.id} holds ${b.items?.total} items; the corpus has ${n} documents`);
      batch = b;
      resumed = stored;
    }
    const closedAt = Date.now();
    o.onBatch?.(batch);
    o.progress?.('submit', n, n);

    // Progress from the batch's own account (at most a few messages a second), while the results are read.
    const watch = batches.watch(batch.id);
    const watched = (async () => {
      let last = batch;
      for await (const b of watch) {
        last = b;
        o.progress?.('run', Number(b.items?.succeeded ?? 0) + Number(b.items?.failed ?? 0) + Number(b.items?.cancelled ?? 0), n);
      }
      return last;
    })().catch(() => undefined); // A watch cut off only stops the progress: the batch is read again below.
    let read: Awaited<ReturnType<typeof readResults>>;
    try {
      await mkdir(o.out, { recursive: true });
      read = await readResults(batches, batch.id, n, o);
    } catch (err) {
      watch.cancel();
      await watched;
      throw err;
    }
    const resultsAt = Date.now();
    let final = (await watched) ?? (await batches.getBatch(batch.id));
    if (!FINAL.has(final.state)) final = await batches.wait(batch.id);
    o.progress?.('run', n, n);

    const tokens = Number(final.tokens);
    const padded = Number(final.paddedTokens);
    const report: PipelineReport = {
      source: o.source,
      op: o.op,
      batchId: final.id,
      documents: n,
      tokens,
      skipped: survey.problems,
      failed: read.failed,
      resumed,
      cached: read.cached,
      repeated: Number(final.items?.duplicates ?? 0),
      units: final.units,
      paddedTokens: padded,
      paddingEfficiency: padded ? tokens / padded : 1,
      cost: final.cost,
      quoted: final.quote?.price ?? 0,
      window: final.plannedWindow,
      etaSeconds: batch.eta ? Math.max(0, fromTimestamp(batch.eta) - closedAt) / 1000 : 0,
      uploadSeconds: (closedAt - started) / 1000,
      runSeconds: (resultsAt - closedAt) / 1000,
      // Set last: the run's own wall time, the clusters included.
      seconds: 0,
      documentsPerSecond: 0,
    };
    if (o.op === 'minhash') {
      const { pairs, clusters } = await verify(read.lsh, o, tokenizer);
      const cl = clusters.map((c) => JSON.stringify({ documents: c }));
      await writeFile(join(o.out, 'clusters.jsonl'), cl.length ? `${cl.join('\n')}\n` : '');
      report.duplicateClusters = clusters.length;
      report.duplicatePairs = pairs;
    }
    report.seconds = (Date.now() - started) / 1000;
    report.documentsPerSecond = report.seconds > 0 ? n / report.seconds : 0;
    await writeFile(join(o.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
    return report;
  } finally {
    await tokenizer.close();
  }
}

/**
 * The corpus as batch items, read and tokenized as the upload takes them. The first `stored()`
 * documents (the scheduler holds them already, and the client skips them) go untokenized.
 */
async function* documentItems(source: string, n: number, tokenizer: Tokenizer, stored: () => number): AsyncGenerator<BatchItem> {
  const skip = stored();
  if (skip >= n) return;
  const docs = corpusDocuments(source)[Symbol.asyncIterator]();
  for (let i = 0; i < skip; i++) {
    const d = await docs.next();
    if (d.done) return;
    yield { customId: d.value.customId };
  }
  // Chunks are read one after another (the reads share one iterator) and tokenized on the thread
  // while earlier ones are sent: the workers start on the first documents while the last are read.
  let reading: Promise<unknown> = Promise.resolve();
  const readChunk = () => {
    const texts = reading.then(async () => {
      const ids: string[] = [];
      const texts: string[] = [];
      while (ids.length < CHUNK) {
        const d = await docs.next();
        if (d.done) break;
        ids.push(d.value.customId);
        texts.push(d.value.text);
      }
      return { ids, texts };
    });
    reading = texts;
    const chunk = texts.then(async ({ ids, texts }) => ({ ids, tokens: texts.length ? await tokenizer.encodeMany(texts) : [] }));
    // Chunks read ahead fail unawaited when the upload stops early (the tokenizer closes): not a crash.
    chunk.catch(() => undefined);
    return chunk;
  };
  const ahead: Array<ReturnType<typeof readChunk>> = [];
  for (let k = 0; k < AHEAD; k++) ahead.push(readChunk());
  for (;;) {
    const { ids, tokens } = await ahead.shift()!;
    if (ids.length === 0) return;
    ahead.push(readChunk());
    for (let k = 0; k < ids.length; k++) yield { customId: ids[k]!, tokens: packTokens(tokens[k]!) };
  }
}

/** Every result in input order, written to results.jsonl as it comes; for minhash, each signature's bands. */
async function readResults(batches: BatchClient, batchId: string, n: number, o: PipelineOptions): Promise<{ failed: number; cached: number; lsh?: LshIndex }> {
  const out = createWriteStream(join(o.out, 'results.jsonl'));
  const closed = once(out, 'close');
  let lsh: LshIndex | undefined;
  let failed = 0;
  let cached = 0;
  let count = 0;
  let lines = '';
  const flush = async () => {
    if (lines && !out.write(lines)) await once(out, 'drain');
    lines = '';
  };
  try {
    for await (const r of batches.results(batchId)) {
      const i = Number(r.index);
      if (i !== count) throw new Error(`batch ${batchId}: result ${count} came as item ${i}`);
      count++;
      if (r.cached) cached++;
      if (r.error !== undefined) failed++;
      const result = r.result ? (r.result.signature.length ? r.result.signature : r.result.vector.length ? r.result.vector : null) : null;
      if (o.op === 'minhash' && r.result?.signature.length) (lsh ??= new LshIndex(n, r.result.signature.length, o.threshold)).add(i, r.result.signature);
      lines += `${JSON.stringify({
        custom_id: r.customId,
        batch_id: batchId,
        index: i,
        state: r.error !== undefined ? 'failed' : 'succeeded',
        result,
        cost: r.cost,
        ...(r.error !== undefined ? { error: r.error } : {}),
      })}\n`;
      if (lines.length > 1 << 20) await flush();
    }
    await flush();
  } finally {
    out.end();
    await closed;
  }
  if (count !== n) throw new Error(`batch ${batchId}: ${count} results for ${n} documents`);
  return { failed, cached, lsh };
}

/**
 * The LSH candidates measured by the exact Jaccard of their shingles: the corpus is read once
 * more and only the candidates' documents tokenized and held. Returns the pairs kept and the
 * clusters, by custom_id.
 */
async function verify(lsh: LshIndex | undefined, o: PipelineOptions, tokenizer: Tokenizer): Promise<{ pairs: number; clusters: string[][] }> {
  const candidates = lsh?.candidates() ?? [];
  if (candidates.length === 0) return { pairs: 0, clusters: [] };
  const wanted = new Set(candidates.flat());
  const ids = new Map<number, string>();
  const shingles = new Map<number, Float64Array>();
  let group: Array<{ i: number; text: string }> = [];
  const tokenize = async () => {
    const tokens = await tokenizer.encodeMany(group.map((g) => g.text));
    group.forEach((g, k) => shingles.set(g.i, shingleHashes(tokens[k]!, SHINGLE)));
    group = [];
  };
  let i = 0;
  for await (const d of corpusDocuments(o.source)) {
    if (wanted.has(i)) {
      ids.set(i, d.customId);
      group.push({ i, text: d.text });
      if (group.length === CHUNK) await tokenize();
    }
    i++;
  }
  if (group.length) await tokenize();
  const kept = candidates.filter(([a, b]) => sortedJaccard(shingles.get(a)!, shingles.get(b)!) >= o.threshold);
  return { pairs: kept.length, clusters: clustersOf(kept).map((c) => c.map((x) => ids.get(x)!)) };
}

/** A short content digest (128 bits of SHA-256, base64url). */
function digest(...parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('base64url').slice(0, 22);
}
