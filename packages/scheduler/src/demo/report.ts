import type { Job__Output } from '@nightshift/proto';
import type { PipelineReport } from '../pipeline/index.js';

export interface DemoReport {
  jobs: number;
  byState: Record<string, number>;
  documents: number;
  tokens: number;
  batches: number;
  jobsPerBatch: number;
  /** Real tokens ÷ padded tokens over all batches. */
  paddingEfficiency: number;
  kernelSeconds: number;
  /** US dollars: what the jobs cost, and what they were quoted at admission. */
  cost: number;
  quoted: number;
  perOp: Array<{ op: string; jobs: number; tokens: number; batches: number; kernelSeconds: number }>;
  perWorker: Record<string, number>;
}

/** Figures of a finished run, from the jobs as the API reports them. */
export function summarize(jobs: readonly Job__Output[]): DemoReport {
  const byState: Record<string, number> = {};
  const batches = new Map<string, { op: string; size: number; longest: number; tokens: number }>();
  const perWorker: Record<string, number> = {};
  const perOp = new Map<string, { op: string; jobs: number; tokens: number; batches: Set<string>; kernelSeconds: number }>();
  for (const j of jobs) {
    const state = j.state.replace('JOB_STATE_', '');
    byState[state] = (byState[state] ?? 0) + 1;
    const op = perOp.get(j.op) ?? { op: j.op, jobs: 0, tokens: 0, batches: new Set<string>(), kernelSeconds: 0 };
    perOp.set(j.op, op);
    op.jobs++;
    op.tokens += j.tokenCount;
    op.kernelSeconds += j.kernelSeconds;
    // A job answered from the result cache ran in no batch.
    if (state !== 'SUCCEEDED' || !j.batchId) continue;
    perWorker[j.workerId] = (perWorker[j.workerId] ?? 0) + 1;
    op.batches.add(j.batchId);
    const b = batches.get(j.batchId) ?? { op: j.op, size: 0, longest: 0, tokens: 0 };
    b.size++;
    b.longest = Math.max(b.longest, j.tokenCount);
    b.tokens += j.tokenCount;
    batches.set(j.batchId, b);
  }
  let real = 0;
  let padded = 0;
  for (const b of batches.values()) {
    real += b.tokens;
    padded += b.size * b.longest;
  }
  return {
    jobs: jobs.length,
    byState,
    documents: new Set(jobs.map((j) => j.clientRef)).size,
    tokens: jobs.reduce((s, j) => s + j.tokenCount, 0),
    batches: batches.size,
    jobsPerBatch: batches.size ? (byState.SUCCEEDED ?? 0) / batches.size : 0,
    paddingEfficiency: padded ? real / padded : 1,
    kernelSeconds: jobs.reduce((s, j) => s + j.kernelSeconds, 0),
    cost: jobs.reduce((s, j) => s + j.cost, 0),
    quoted: jobs.reduce((s, j) => s + (j.quote?.price ?? 0), 0),
    perOp: [...perOp.values()].map((o) => ({ op: o.op, jobs: o.jobs, tokens: o.tokens, batches: o.batches.size, kernelSeconds: o.kernelSeconds })),
    perWorker,
  };
}

const n = (x: number) => x.toLocaleString('en-US');

export function formatReport(r: DemoReport, wallSeconds: number): string {
  const lines = [
    '',
    'nightshift demo — report',
    `  jobs            ${n(r.jobs)} (${Object.entries(r.byState).map(([s, c]) => `${n(c)} ${s}`).join(', ')})`,
    `  documents       ${n(r.documents)}`,
    `  tokens          ${n(r.tokens)} (o200k_base)`,
    `  batches         ${n(r.batches)} (${r.jobsPerBatch.toFixed(1)} jobs per batch)`,
    `  padding         ${(r.paddingEfficiency * 100).toFixed(1)}% of padded tokens are real tokens`,
    `  wall seconds    ${wallSeconds.toFixed(2)} (${n(Math.round(r.tokens / wallSeconds))} tokens/s)`,
    `  kernel seconds  ${r.kernelSeconds.toFixed(2)}`,
    `  cost            $${r.cost.toPrecision(3)} on demand (quoted $${r.quoted.toPrecision(3)} at admission)`,
    '',
    '  op          jobs      tokens   batches   kernel s',
    ...r.perOp.map((o) => `  ${o.op.padEnd(10)}${n(o.jobs).padStart(6)}${n(o.tokens).padStart(12)}${n(o.batches).padStart(10)}${o.kernelSeconds.toFixed(2).padStart(11)}`),
    '',
    `  jobs per worker: ${Object.entries(r.perWorker).sort().map(([w, c]) => `${w} ${n(c)}`).join(', ')}`,
    '',
  ];
  return lines.join('\n');
}

/** The pipeline runs: what each found and what it cost against running every document alone on demand. */
export function formatPipelines(runs: readonly PipelineReport[], out: string): string {
  const lines = ['  pipeline    documents   reused (run/cache/repeat)   cost        alone on demand   near-duplicates'];
  for (const r of runs) {
    const dups = r.duplicatePairs !== undefined ? `${n(r.duplicatePairs)} pairs in ${n(r.duplicateClusters!)} clusters` : '';
    lines.push(
      `  ${r.op.padEnd(10)}${n(r.documents).padStart(11)}   ${`${n(r.resumed)}/${n(r.cached)}/${n(r.repeated)}`.padEnd(26)}$${r.cost.toPrecision(3).padEnd(11)}$${r.aloneOnDemandCost.toPrecision(3).padEnd(17)}${dups}`,
    );
  }
  lines.push('', `  results: ${out}/<op>/results.jsonl (input order), clusters.jsonl, report.json`, '');
  return lines.join('\n');
}
