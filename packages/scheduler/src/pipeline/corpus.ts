import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { createInterface } from 'node:readline';

export interface Document {
  customId: string;
  text: string;
}

/**
 * A corpus, one document at a time, read as it is consumed: a folder (every
 * file below it one document, its path the custom_id, in path order) or a
 * JSONL file ({"custom_id", "text"} a line; a bad line, or a custom_id seen
 * before, is told to `problem` by line number and skipped). Reading it twice
 * gives the same documents in the same order.
 */
export async function* corpusDocuments(source: string, problem: (message: string) => void = () => undefined): AsyncGenerator<Document> {
  if ((await stat(source)).isDirectory()) {
    // Only the paths are held; each file is read as its turn comes.
    for (const file of await filesBelow(source)) yield { customId: relative(source, file), text: await readFile(file, 'utf8') };
    return;
  }
  // The ids seen, to refuse a second use of one: results are matched by custom_id.
  const ids = new Set<string>();
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(source, 'utf8'), crlfDelay: Infinity })) {
    line++;
    if (!text.trim()) continue;
    const where = `${source}:${line}`;
    let o: { custom_id?: unknown; text?: unknown };
    try {
      o = JSON.parse(text) as typeof o;
    } catch {
      problem(`${where}: not JSON`);
      continue;
    }
    if (typeof o.text !== 'string' || typeof o.custom_id !== 'string' || !o.custom_id) {
      problem(`${where}: needs "custom_id" and "text" (strings)`);
      continue;
    }
    if (ids.has(o.custom_id)) {
      problem(`${where}: custom_id "${o.custom_id}" again`);
      continue;
    }
    ids.add(o.custom_id);
    yield { customId: o.custom_id, text: o.text };
  }
}

/**
 * One pass over the corpus without keeping it: how many documents it has, what is wrong with it,
 * and a digest of its documents (custom_ids and texts, in order) that names this content.
 */
export async function surveyCorpus(source: string): Promise<{ documents: number; bytes: number; problems: string[]; digest: string }> {
  const problems: string[] = [];
  const h = createHash('sha256');
  let documents = 0;
  let bytes = 0;
  for await (const d of corpusDocuments(source, (p) => problems.push(p))) {
    documents++;
    bytes += Buffer.byteLength(d.text);
    h.update(d.customId).update('\0').update(d.text).update('\0');
  }
  return { documents, bytes, problems, digest: h.digest('base64url').slice(0, 22) };
}

/** The whole corpus in memory: for small corpora and the benchmark's in-process ceiling. */
export async function readCorpus(source: string): Promise<{ documents: Document[]; problems: string[] }> {
  const documents: Document[] = [];
  const problems: string[] = [];
  for await (const d of corpusDocuments(source, (p) => problems.push(p))) documents.push(d);
  return { documents, problems };
}

async function filesBelow(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) files.push(...(await filesBelow(p)));
    else if (e.isFile()) files.push(p);
  }
  return files;
}
