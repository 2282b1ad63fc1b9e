import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Tokenizer } from '../admission/tokenizer.js';
import { fromTimestamp, packTokens, type Job__Output, type JobSpec, type SubmitStreamRequest } from '@nightshift/proto';
import { FINAL_API_STATES, type JobClient } from '../client/index.js';
import { readCorpus } from './corpus.js';
import { jaccard, nearDuplicates, shingleSet } from './lsh.js';

/** minhash's default shingle, which the pipeline's jobs use. */
const SHINGLE = 5;

export interface PipelineOptions {
  source: string;
  op: 'minhash' | 'embed';
  out: string;
  /** Jaccard similarity at or above which two documents are near-duplicates (minhash). */
  threshold: number;
  /** Deadline fields for every job (a deadline lets heavy work wait for cheap windows). */
  extra: Partial<JobSpec>;
  /**
   * Names the run for resuming: submissions carry idempotency keys made of it, each document's
   * custom_id and its content, so a run started again with the same key (after a crash) gets the
   * jobs already submitted back instead of new ones. Default: the output folder's path.
   */
  runKey?: string;
  /** Told of progress: phase, done, total. */
  progress?: (phase: 'submit' | 'run', done: number, total: number) => void;
}

export interface PipelineReport {
  source: string;
  op: string;
  documents: number;
  tokens: number;
  skipped: string[];
  failed: number;
  /** Documents whose job an earlier run with the same run key had submitted (a resumed run). */
  resumed: number;
  /** Documents answered from the scheduler's result cache: their content was computed before. */
  cached: number;
  /** Documents with the same content as an earlier document of this corpus: submitted once, reported for each. */
  repeated: number;
  batches: number;
  /** Real ÷ padded tokens over the batches the documents ran in. */
  paddingEfficiency: number;
  /** US dollars: what the documents' jobs cost. */
  cost: number;
  /** US dollars: what running each document alone (a batch of one) on demand, without the cache, would have cost. */
  aloneOnDemandCost: number;
  seconds: number;
  duplicateClusters?: number;
  duplicatePairs?: number;
}

/**
 * The nightly pipeline, once: read the corpus, tokenize (o200k_base, here,
 * so the scheduler gets token ids), submit every document under one tenant
 * with the deadline given, follow it to the end, and write, in input order,
 * results.jsonl ({custom_id, job_id, state, result, cost}); for minhash also
 * clusters.jsonl (near-duplicate groups by LSH); and report.json.
 */
export async function runPipeline(client: JobClient, o: PipelineOptions): Promise<PipelineReport> {
  const started = Date.now();
  const { documents, problems } = await readCorpus(o.source);
  const n = documents.length;
  const skipped = [...problems];
  const runKey = digest(o.runKey ?? resolve(o.out));
  const tokens = new Array<Uint32Array>(n);
  // Identical documents are submitted once: the first of each content stands for the rest.
  const source = new Array<number>(n);
  const firstOf = new Map<string, number>();
  const unique: number[] = [];
  const ids = new Array<string | undefined>(n);
  const earlier = new Set<number>();

  // Jobs are followed while the rest are still being submitted: a watch for each thousand admitted (the API's limit).
  const watches: Array<Promise<void>> = [];
  let unwatched: string[] = [];
  let admitted = 0;
  let finished = 0;
  const follow = () => {
    const chunk = unwatched;
    unwatched = [];
    watches.push(
      (async () => {
        // Only final states: the run waits for results, not for each job's start.
        for await (const _ of client.watchJobs(chunk, FINAL_API_STATES)) o.progress?.('run', ++finished, admitted);
      })(),
    );
  };
  // Tokenized on a thread, a chunk at a time and a few chunks ahead, while this thread sends what is
  // ready: the workers start on the first documents while the last are read.
  const tokenizer = new Tokenizer(1);
  const CHUNK = 256;
  const chunks: Array<Promise<Uint32Array[]>> = [];
  const ahead = (c: number) => {
    if (c * CHUNK < n) chunks[c] ??= tokenizer.encodeMany(documents.slice(c * CHUNK, (c + 1) * CHUNK).map((d) => d.text));
  };
  let seen = 0;
  const requests = async function* (): AsyncGenerator<SubmitStreamRequest> {
    for (let c = 0; c * CHUNK < n; c++) {
      for (let k = 0; k <= 3; k++) ahead(c + k);
      const chunk = await chunks[c]!;
      for (let k = 0; k < chunk.length; k++) {
        const i = c * CHUNK + k;
        tokens[i] = chunk[k]!;
        const packed = packTokens(tokens[i]!);
        const content = digest(`${o.op}\n${JSON.stringify(o.extra.params ?? {})}\n`, packed);
        const first = firstOf.get(content);
        source[i] = first ?? i;
        if (first !== undefined) {
          o.progress?.('submit', ++seen, n);
          continue;
        }
        firstOf.set(content, i);
        unique.push(i);
        const idempotencyKey = `pipeline:${runKey}:${digest(documents[i]!.customId, content)}`;
        yield { requestId: String(i), job: { op: o.op, tokens: packed, clientRef: documents[i]!.customId, idempotencyKey, ...o.extra } };
      }
    }
  };
  try {
    await client.submitMany(requests(), (r) => {
      const i = Number(r.requestId);
      if (r.job) {
        ids[i] = r.job.id;
        // Created before this run began: an earlier run with this run key submitted it.
        if (r.job.createdAt && fromTimestamp(r.job.createdAt) < started) earlier.add(i);
        admitted++;
        unwatched.push(r.job.id);
        if (unwatched.length === 1000) follow();
      } else skipped.push(`${documents[i]!.customId}: ${r.error?.message ?? 'refused'}`);
      o.progress?.('submit', ++seen, n);
    });
  } finally {
    await tokenizer.close();
  }
  if (unwatched.length) follow();
  await Promise.all(watches);

  // Read the jobs back with their results, a thousand at a time.
  const read = new Array<Job__Output | undefined>(n);
  const live = unique.filter((i) => ids[i]);
  for (let k = 0; k < live.length; k += 1000) {
    const chunk = live.slice(k, k + 1000);
    (await client.batchGetJobs(chunk.map((i) => ids[i]!))).forEach((j, x) => (read[chunk[x]!] = j));
  }
  const jobs = documents.map((_, i) => read[source[i]!]);
  for (let i = 0; i < n; i++) ids[i] = ids[source[i]!];
  await mkdir(o.out, { recursive: true });
  const lines = documents.map((d, i) => {
    const j = jobs[i];
    const result = j?.result;
    return JSON.stringify({
      custom_id: d.customId,
      job_id: ids[i] ?? null,
      state: j ? j.state.replace('JOB_STATE_', '').toLowerCase() : 'not submitted',
      result: result ? (result.signature.length ? result.signature : result.vector) : null,
      cost: j?.cost ?? 0,
      ...(j?.error ? { error: j.error } : {}),
    });
  });
  await writeFile(join(o.out, 'results.jsonl'), `${lines.join('\n')}\n`);

  // Batches and their padding, from where each job last ran (a job once, however many documents share it).
  const batches = new Map<string, number[]>();
  read.forEach((j) => j?.batchId && batches.set(j.batchId, [...(batches.get(j.batchId) ?? []), j.tokenCount]));
  let real = 0;
  let padded = 0;
  for (const lengths of batches.values()) {
    real += lengths.reduce((a, b) => a + b, 0);
    padded += lengths.length * Math.max(...lengths);
  }
  const report: PipelineReport = {
    source: o.source,
    op: o.op,
    documents: documents.length,
    tokens: tokens.reduce((a, t) => a + t.length, 0),
    skipped,
    failed: jobs.filter((j) => j && j.state !== 'JOB_STATE_SUCCEEDED').length,
    resumed: earlier.size,
    cached: read.filter((j) => j?.cached).length,
    repeated: documents.length - unique.length,
    batches: batches.size,
    paddingEfficiency: padded ? real / padded : 1,
    cost: read.reduce((a, j) => a + (j?.cost ?? 0), 0),
    aloneOnDemandCost: jobs.reduce((a, j) => a + (j?.alonePrice ?? 0), 0),
    seconds: (Date.now() - started) / 1000,
  };
  if (o.op === 'minhash') {
    const signatures = jobs.map((j) => (j?.result?.signature.length ? j.result.signature : undefined));
    // Candidates from the signatures' bands, then each measured exactly on the tokens we hold.
    const shingles = new Map<number, Set<string>>();
    const setOf = (i: number) => shingles.get(i) ?? shingles.set(i, shingleSet(tokens[i]!, SHINGLE)).get(i)!;
    const { pairs, clusters } = nearDuplicates(signatures, o.threshold, (i, j) => jaccard(setOf(i), setOf(j)));
    const cl = clusters.map((c) => JSON.stringify({ documents: c.map((i) => documents[i]!.customId) }));
    await writeFile(join(o.out, 'clusters.jsonl'), cl.length ? `${cl.join('\n')}\n` : '');
    report.duplicateClusters = clusters.length;
    report.duplicatePairs = pairs.length;
  }
  await writeFile(join(o.out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** A short content digest (128 bits of SHA-256, base64url). */
function digest(...parts: Array<string | Buffer>): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\0');
  return h.digest('base64url').slice(0, 22);
}
