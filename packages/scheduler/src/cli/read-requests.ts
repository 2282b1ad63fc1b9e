import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { packTokens, type JobSpec } from '@nightshift/proto';

/** One request read from an input file, or why its line cannot be one. */
export type ReadRequest =
  | { where: string; customId: string; job: JobSpec }
  | { where: string; error: string };

export interface Defaults {
  op?: string;
  /** Fields every job gets unless its line says otherwise (deadline, priority…). */
  extra: Partial<JobSpec>;
}

/**
 * Requests from a file: JSONL in the shape of the batch APIs, one request a
 * line ({"custom_id", "op", "params", "text" | "tokens", "priority",
 * "max_attempts", "max_cost"}), or any other file as one document of text.
 * A bad line yields its error, named by file and line, and never stops the rest.
 */
export async function* readRequests(file: string, d: Defaults): AsyncGenerator<ReadRequest> {
  if (!file.endsWith('.jsonl')) {
    const text = await readFile(file, 'utf8');
    if (!d.op) {
      yield { where: file, error: 'a plain text file needs --op' };
      return;
    }
    yield { where: file, customId: file, job: { op: d.op, text, clientRef: file, ...d.extra } };
    return;
  }
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
    n++;
    if (!line.trim()) continue;
    const where = `${file}:${n}`;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      yield { where, error: `not JSON (${(err as Error).message})` };
      continue;
    }
    if (typeof o !== 'object' || o === null || Array.isArray(o)) {
      yield { where, error: 'not a JSON object' };
      continue;
    }
    const customId = typeof o.custom_id === 'string' ? o.custom_id : '';
    const op = typeof o.op === 'string' ? o.op : d.op;
    if (!op) {
      yield { where, error: 'no "op" (and no --op)' };
      continue;
    }
    const job: JobSpec = { op, clientRef: customId, ...d.extra };
    if (o.params !== undefined) job.params = o.params as JobSpec['params'];
    if (typeof o.text === 'string') job.text = o.text;
    else if (Array.isArray(o.tokens) && o.tokens.every((t) => Number.isInteger(t) && t >= 0 && t <= 0xffffffff)) job.tokens = packTokens(o.tokens as number[]);
    else {
      yield { where, error: '"text" (a string) or "tokens" (an array of unsigned 32-bit integers) is required' };
      continue;
    }
    for (const [from, to] of [['priority', 'priority'], ['max_attempts', 'maxAttempts'], ['max_cost', 'maxCost']] as const) {
      if (typeof o[from] === 'number') (job as Record<string, unknown>)[to] = o[from];
    }
    yield { where, customId, job };
  }
}
