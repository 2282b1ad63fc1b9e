import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

export interface Document {
  customId: string;
  text: string;
}

/**
 * A corpus: a folder (every file below it one document, its path the
 * custom_id, in path order) or a JSONL file ({"custom_id", "text"} a line;
 * a bad line is reported by number and skipped).
 */
export async function readCorpus(source: string): Promise<{ documents: Document[]; problems: string[] }> {
  if ((await stat(source)).isDirectory()) {
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) files.push(p);
      }
    };
    await walk(source);
    return { documents: await Promise.all(files.map(async (f) => ({ customId: relative(source, f), text: await readFile(f, 'utf8') }))), problems: [] };
  }
  const documents: Document[] = [];
  const problems: string[] = [];
  const ids = new Set<string>();
  (await readFile(source, 'utf8')).split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    const where = `${source}:${i + 1}`;
    let o: { custom_id?: unknown; text?: unknown };
    try {
      o = JSON.parse(line) as typeof o;
    } catch {
      problems.push(`${where}: not JSON`);
      return;
    }
    if (typeof o.text !== 'string' || typeof o.custom_id !== 'string' || !o.custom_id) {
      problems.push(`${where}: needs "custom_id" and "text" (strings)`);
      return;
    }
    if (ids.has(o.custom_id)) {
      problems.push(`${where}: custom_id "${o.custom_id}" again`);
      return;
    }
    ids.add(o.custom_id);
    documents.push({ customId: o.custom_id, text: o.text });
  });
  return { documents, problems };
}
