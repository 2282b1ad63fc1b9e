import type { PipelineReport } from '@nightshift/scheduler/pipeline';

/** A single job sent next to a batch, as it ended. */
export interface InteractiveJob {
  customId: string;
  state: string;
  /** From submission to its final state. */
  seconds: number;
  /** The batch's units done, of all, when the job had ended. */
  batchUnitsDone: number;
  batchUnits: number;
}

const n = (x: number) => x.toLocaleString('en-US');
const usd = (x: number) => `$${x.toPrecision(3)}`;

/** The batches the pipeline runs made, one per op: what each carried, how it was cut and what it cost against its quote. */
export function formatReport(runs: readonly PipelineReport[], wallSeconds: number): string {
  const documents = runs.reduce((a, r) => a + r.documents, 0);
  const tokens = runs.reduce((a, r) => a + r.tokens, 0);
  const lines = [
    '',
    'nightshift demo — report',
    `  batches         ${n(runs.length)} (one per op, the whole corpus in each)`,
    `  documents       ${n(runs[0]?.documents ?? 0)}`,
    `  tokens          ${n(tokens)} (o200k_base)`,
    `  wall seconds    ${wallSeconds.toFixed(2)} (${n(Math.round(documents / wallSeconds))} documents/s, ${n(Math.round(tokens / wallSeconds))} tokens/s)`,
    '',
    // ETA: what the scheduler expected when the upload closed; ran: from then to the last result; upload: read, tokenized and sent (units run meanwhile).
    '  op        batch                                   items   units   padding   cost / quote          upload s   ETA / ran s   docs/s',
    ...runs.map(
      (r) =>
        `  ${r.op.padEnd(10)}${r.batchId.padEnd(38)}${n(r.documents).padStart(7)}${n(r.units).padStart(8)}${`${(r.paddingEfficiency * 100).toFixed(1)}%`.padStart(10)}   ${`${usd(r.cost)} / ${usd(r.quoted)}`.padEnd(22)}${r.uploadSeconds.toFixed(2).padStart(8)}${`${r.etaSeconds.toFixed(2)} / ${r.runSeconds.toFixed(2)}`.padStart(14)}${n(Math.round(r.documentsPerSecond)).padStart(9)}`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** The interactive jobs: their state, and how quickly they came back while the batch ran. */
export function formatInteractive(jobs: readonly InteractiveJob[], next: string): string {
  if (jobs.length === 0) return '';
  const byState = new Map<string, number>();
  for (const j of jobs) byState.set(j.state, (byState.get(j.state) ?? 0) + 1);
  const states = [...byState].map(([s, c]) => `${n(c)} ${s}`).join(', ');
  return [
    `  jobs            ${n(jobs.length)} (${states}), interactive, sent next to the ${next}:`,
    ...jobs.map((j) => `    ${j.customId.padEnd(24)} ${j.state.padEnd(10)} ${j.seconds.toFixed(2).padStart(6)} s, the batch then at ${n(j.batchUnitsDone)}/${n(j.batchUnits)} units`),
    '',
  ].join('\n');
}

/** The pipeline runs: what each found, what it reused, and what it cost against its quote. */
export function formatPipelines(runs: readonly PipelineReport[], out: string): string {
  const lines = ['  pipeline    documents   reused (run/cache/repeat)   cost        quoted      near-duplicates'];
  for (const r of runs) {
    const dups = r.duplicatePairs !== undefined ? `${n(r.duplicatePairs)} pairs in ${n(r.duplicateClusters!)} clusters` : '';
    lines.push(
      `  ${r.op.padEnd(10)}${n(r.documents).padStart(11)}   ${`${n(r.resumed)}/${n(r.cached)}/${n(r.repeated)}`.padEnd(26)}${usd(r.cost).padEnd(12)}${usd(r.quoted).padEnd(12)}${dups}`,
    );
  }
  lines.push('', `  results: ${out}/<op>/results.jsonl (input order), clusters.jsonl, report.json`, '');
  return lines.join('\n');
}
