import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { packTokens, type Job__Output, type JobSpec } from '@nightshift/proto';
import type { JobClient } from '../client/index.js';
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
  batches: number;
  /** Real ÷ padded tokens over the batches the documents ran in. */
  paddingEfficiency: number;
  /** US dollars. */
  cost: number;
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
  const tokens = documents.map((d) => Uint32Array.from(encode(d.text)));
  const skipped = [...problems];
  const ids = new Array<string | undefined>(documents.length);
  let submitted = 0;
  await client.submitMany(
    documents.map((d, i) => ({ requestId: String(i), job: { op: o.op, tokens: packTokens(tokens[i]!), clientRef: d.customId, ...o.extra } })),
    (r) => {
      const i = Number(r.requestId);
      if (r.job) ids[i] = r.job.id;
      else skipped.push(`${documents[i]!.customId}: ${r.error?.message ?? 'refused'}`);
      o.progress?.('submit', ++submitted, documents.length);
    },
  );
  // Follow every job to its end, a thousand ids per watch (the API's limit).
  const live = ids.filter((id): id is string => Boolean(id));
  let done = 0;
  const chunks = Array.from({ length: Math.ceil(live.length / 1000) }, (_, k) => live.slice(k * 1000, (k + 1) * 1000));
  await Promise.all(
    chunks.map(async (chunk) => {
      for await (const e of client.watchJobs(chunk)) {
        if (['JOB_STATE_SUCCEEDED', 'JOB_STATE_FAILED', 'JOB_STATE_CANCELLED'].includes(e.state)) o.progress?.('run', ++done, live.length);
      }
    }),
  );
  // Read the jobs back with their results, 64 at a time, in input order.
  const jobs = new Array<Job__Output | undefined>(documents.length);
  for (let i = 0; i < documents.length; i += 64) {
    await Promise.all(ids.slice(i, i + 64).map(async (id, k) => id && (jobs[i + k] = await client.getJob(id))));
  }
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

  // Batches and their padding, from where each job last ran.
  const batches = new Map<string, number[]>();
  jobs.forEach((j) => j?.batchId && batches.set(j.batchId, [...(batches.get(j.batchId) ?? []), j.tokenCount]));
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
    batches: batches.size,
    paddingEfficiency: padded ? real / padded : 1,
    cost: jobs.reduce((a, j) => a + (j?.cost ?? 0), 0),
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
