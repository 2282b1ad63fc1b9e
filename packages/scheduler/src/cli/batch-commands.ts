import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type Stats } from 'node:fs';
import { stat, truncate } from 'node:fs/promises';
import { once } from 'node:events';
import { basename } from 'node:path';
import type { Writable } from 'node:stream';
import { SingleBar, Presets } from 'cli-progress';
import { opKey, toOpParams, type Batch__Output, type BatchHeader, type BatchResults__Output, type BatchState, type OpSpec } from '@nightshift/proto';
import type { Context } from './context.js';
import { BatchFile } from './batch-file.js';
import { batchJson, batchLine, isFinal, progress, resultLine } from './batch-print.js';
import { state, usd } from './format.js';

export const batchUsage = `usage: nightshift [--scheduler host:port] [--tenant T] [--api-key K] [--ca FILE] [--json] batch <command>

  batch create FILE.jsonl [--op minhash|embed|attention] [--params JSON] [--key KEY] [--window 24h|SECONDS]
               [--deadline ISO] [--max-cost USD] [--priority N] [--label k=v]… [--skip-bad] [--watch]
      uploads FILE as one batch, read as a stream, and prints it once admitted (queued, or deferred to a
      cheaper window that still meets --window/--deadline). A line is one item, in one of these shapes:
        Batch API (OpenAI):  {"custom_id", "method", "url", "body": {…}}; the text is body.input (a string,
                             an array of one string, or token ids), body.text, body.prompt, or the text of
                             body.system and body.messages (string contents and "text" blocks) joined with
                             newlines; body.op and body.params may name the op and its params
        Anthropic batches:   {"custom_id", "params": {"messages", "system"?}}: the text of system and messages,
                             joined with newlines
        nightshift:          {"custom_id", "text" | "tokens", "op"?, "params"?}, as submit reads it;
                             tokens are o200k_base ids (unsigned 32-bit integers)
      custom_id (a string, at most 256 bytes) comes back with each result; it may be left out. A line's op
      and params override --op and --params; a batch runs one op with one set of params, set by its first
      item. --params is the op's params, {"num_perm": 64} or {"minhash": {"num_perm": 64}}.
      A line that is not an item is reported as FILE:LINE: why. Then, unless --skip-bad, the batch is not
      admitted (exit 1): the good items it received stay in an open upload, which the same command with
      --skip-bad resumes and admits without the bad lines. With --skip-bad, bad lines are reported and left
      out (exit 0). Blank lines are skipped.
      The upload resumes: --key names it, by default FILE's path, size and modification time with the op and
      params, so the same command after a crash or a cut connection sends only what the scheduler lacks.
      --window is the completion window (24h, 90m, 2d, or seconds); --max-cost caps the whole batch.
      --watch then follows it as batch watch does.
  batch get ID                 the batch as it stands
  batch list [--state S]… [--limit N]
                               the tenant's batches, newest first (states: uploading, validating, queued,
                               deferred, running, succeeded, failed, cancelled)
  batch cancel ID              stops the units not yet run and releases their reservation
  batch watch ID               a progress bar on stderr (items done of all, cost against the quote, ETA)
                               until the batch is final; without a terminal (or with --json), a JSON line of
                               progress a second at most. Then the batch, on stdout.
                               Exit 0 when it SUCCEEDED (some items may have failed), 1 when FAILED or CANCELLED
  batch results ID [--from N] [--out FILE]
                               JSONL, one line an item in input order, as soon as each is done:
                               {"custom_id", "index", "result": {"signature": […]} | {"vector": […]}, "cost"},
                               "error" instead of "result" for an item that failed or was not run, "cached": true
                               when it came from the result cache. To stdout, or FILE. --from N starts at item N;
                               with --out, FILE keeps its first N lines and the rest is written after them.

  With --json, create, get, list and cancel print each batch as a JSON line, and create prints bad lines as
  {"where", "custom_id", "error"} lines.
`;

const STATES = ['uploading', 'validating', 'queued', 'deferred', 'running', 'succeeded', 'failed', 'cancelled'];
/** Bad lines printed before the rest are only counted (with --json, every one is printed). */
const SHOWN_BAD_LINES = 100;

/** `nightshift batch VERB …`. */
export async function batchCommand(c: Context): Promise<number> {
  const [verb, id] = c.args;
  const needId = () => {
    if (!id) throw new Error(`${verb}: give a batch id`);
    return id;
  };
  const print = (b: Batch__Output) => c.out(c.json ? JSON.stringify(batchJson(b)) : batchLine(b));
  switch (verb) {
    case 'create':
      return create(c);
    case 'get':
      print(await c.batches.getBatch(needId()));
      return 0;
    case 'cancel':
      print(await c.batches.cancelBatch(needId()));
      return 0;
    case 'list':
      return list(c, print);
    case 'watch':
      return follow(c, needId());
    case 'results':
      return results(c, needId());
    default:
      throw new Error(`${verb ? `unknown command "${verb}"; ` : ''}create, get, list, cancel, watch or results (nightshift batch --help)`);
  }
}

/** The upload's default key: the file as it stands (path, size, modification time) and the op. */
export function derivedKey(path: string, st: Stats, spec: OpSpec): string {
  const hash = createHash('sha256').update(JSON.stringify([path, st.size, st.mtimeMs, opKey(spec)])).digest('hex').slice(0, 32);
  return `file:${basename(path).slice(0, 64)}:${hash}`;
}

/** The op's params as the header carries them. */
function wireParams(spec: OpSpec): BatchHeader['params'] {
  const { op, ...params } = toOpParams(spec);
  void op;
  return params;
}

class HeldOpen extends Error {}

async function create(c: Context): Promise<number> {
  const file = c.args[1];
  if (!file) throw new Error('create: name a JSONL file');
  const st = await stat(file).catch((err: NodeJS.ErrnoException) => {
    throw new Error(err.code === 'ENOENT' ? `${file}: no such file` : `${file}: ${err.message}`);
  });
  if (!st.isFile()) throw new Error(`${file}: not a file`);
  let shown = 0;
  const reader = new BatchFile(file, { op: c.op, params: c.batch.params }, (b) => {
    if (c.json) c.out(JSON.stringify({ where: b.where, custom_id: b.customId, error: b.error }));
    else if (++shown <= SHOWN_BAD_LINES) c.err(`${b.where}: ${b.error}`);
  });
  const badSummary = () => `${reader.bad} bad line${reader.bad === 1 ? '' : 's'}${!c.json && reader.bad > SHOWN_BAD_LINES ? ` (the first ${SHOWN_BAD_LINES} shown)` : ''}`;
  const items = reader.read();
  // The first item settles the batch's op, which the header carries: read up to it first.
  const first = await items.next();
  if (first.done) {
    c.err(reader.bad ? `${file}: no item to upload, ${badSummary()}` : `${file}: no items (every line is blank)`);
    return 1;
  }
  const spec = reader.spec!;
  const header: BatchHeader = {
    op: spec.op,
    params: wireParams(spec),
    priority: c.extra.priority ?? 0,
    ...(c.extra.deadline ? { deadline: c.extra.deadline } : {}),
    completionWindowSeconds: c.extra.completionWindowSeconds ?? 0,
    maxCost: c.batch.maxCost ?? 0,
    idempotencyKey: c.batch.key ?? derivedKey(file, st, spec),
    labels: c.batch.labels,
  };
  const bar = !c.json && process.stderr.isTTY ? new SingleBar({ format: 'uploading {bar} {percentage}% | {items} items{bad}', hideCursor: true }, Presets.shades_classic) : undefined;
  const tick = () => bar?.update(Math.min(reader.bytesRead, st.size), { items: reader.items, bad: reader.bad ? `, ${reader.bad} bad lines` : '' });
  let batchId = '';
  const all = async function* () {
    yield first.value;
    yield* items;
    // Not closed, so not admitted: the stream is cut and the server keeps what it read, for a run with --skip-bad.
    if (reader.bad > 0 && !c.batch.skipBad) throw new HeldOpen();
  };
  let b: Batch__Output;
  try {
    b = await c.batches.create(header, all(), {
      onStored: (n, id) => {
        batchId = id;
        if (n > 0) c.err(`resuming: the server holds ${n} items`);
        bar?.start(st.size, 0, { items: 0, bad: '' });
      },
      onProgress: tick,
    });
  } catch (err) {
    bar?.stop();
    if (!(err instanceof HeldOpen)) throw withLine(err, reader);
    if (!c.json && shown > SHOWN_BAD_LINES) c.err(`… and ${shown - SHOWN_BAD_LINES} more bad lines`);
    c.err(
      `${file}: ${badSummary()}; batch ${batchId} was not admitted. The good items it received are kept in its open upload: ` +
        'run the same command with --skip-bad to admit it without the bad lines (it resumes: only what the scheduler lacks is sent), ' +
        `or fix them and run it again (a new upload; \`nightshift batch cancel ${batchId}\` drops this one).`,
    );
    return 1;
  }
  tick();
  bar?.stop();
  if (reader.bad > 0) c.err(`${file}: ${badSummary()} left out (--skip-bad)`);
  c.out(c.json ? JSON.stringify(batchJson(b)) : batchLine(b));
  if (c.batch.watch && !isFinal(b)) return follow(c, b.id);
  return isFinal(b) && b.state !== 'BATCH_STATE_SUCCEEDED' ? 1 : 0;
}

/** The server names an item by its index (`items[41]`); add the file and line it came from. */
function withLine(err: unknown, reader: BatchFile): unknown {
  const e = err as { details?: unknown };
  if (typeof e.details === 'string') {
    e.details = e.details.replace(/items\[(\d+)\]/, (m, i: string) => (Number(i) < reader.items ? `${m} (${reader.path}:${reader.lineOf(Number(i))})` : m));
  }
  return err;
}

async function list(c: Context, print: (b: Batch__Output) => void): Promise<number> {
  const states = c.states.map((s) => {
    if (!STATES.includes(s.toLowerCase())) throw new Error(`list: --state "${s}" is not one of ${STATES.join(', ')}`);
    return `BATCH_STATE_${s.toUpperCase()}` as BatchState;
  });
  const limit = c.batch.limit ?? Infinity;
  let printed = 0;
  let pageToken = '';
  do {
    const page = await c.batches.listBatches({ states, pageSize: Math.min(1000, limit - printed), pageToken });
    for (const b of page.batches.slice(0, limit - printed)) print(b);
    printed += Math.min(page.batches.length, limit - printed);
    pageToken = page.nextPageToken;
  } while (pageToken && printed < limit);
  return 0;
}

/**
 * Follows a batch until it is final: a bar on a terminal; else a JSON line of progress at most
 * once a second, and always the last. Then the batch on stdout; exit 0 if it SUCCEEDED.
 */
export async function follow(c: Context, id: string): Promise<number> {
  const bar = !c.json && process.stderr.isTTY
    ? new SingleBar({ format: '{state} {bar} {value}/{total} items | {money} | {when}', hideCursor: true }, Presets.shades_classic)
    : undefined;
  let last: Batch__Output | undefined;
  let said = 0;
  try {
    for await (const b of c.batches.watch(id)) {
      last = b;
      const p = progress(b);
      if (bar) {
        const payload = { state: p.state.padEnd(10), money: `cost ${usd(p.cost)} of ${usd(p.quote)} quoted`, when: p.etaText };
        if (!bar.isActive) bar.start(p.total, p.done, payload);
        bar.setTotal(p.total);
        bar.update(p.done, payload);
      } else if (isFinal(b) || Date.now() - said >= 1000) {
        said = Date.now();
        const { etaText, ...line } = p;
        void etaText;
        c.err(JSON.stringify(line));
      }
    }
  } finally {
    bar?.stop();
  }
  if (!last || !isFinal(last)) last = await c.batches.getBatch(id);
  if (!isFinal(last)) throw new Error(`the watch of batch ${id} ended while it was ${state(last.state)}; watch it again`);
  c.out(c.json ? JSON.stringify(batchJson(last)) : batchLine(last));
  return last.state === 'BATCH_STATE_SUCCEEDED' ? 0 : 1;
}

/**
 * Results as JSONL, a write a message (many items), waiting for 'drain' when the reader is slower.
 * A reader that goes away (`| head`) ends the process quietly (main's EPIPE handler).
 */
async function results(c: Context, id: string): Promise<number> {
  const from = c.batch.from;
  const path = c.outDir;
  if (path && from > 0) await keepLines(path, from);
  const sink: Writable = path ? createWriteStream(path, { flags: from > 0 ? 'a' : 'w' }) : process.stdout;
  const failed = path ? once(sink, 'error').then(([err]) => Promise.reject(err as Error)) : undefined;
  failed?.catch(() => undefined);
  const write = async (s: string) => {
    if (!sink.write(s)) await (failed ? Promise.race([once(sink, 'drain'), failed]) : once(sink, 'drain'));
  };
  const call = c.batches.raw.getBatchResults({ batchId: id, fromIndex: String(from) }, c.batches.metadata);
  let n = 0;
  let errors = 0;
  try {
    for await (const msg of call as AsyncIterable<BatchResults__Output>) {
      let s = '';
      for (const r of msg.results) {
        s += `${resultLine(r)}\n`;
        if (r.error !== undefined) errors++;
      }
      n += msg.results.length;
      if (s) await write(s);
    }
  } finally {
    call.cancel();
  }
  if (path) {
    sink.end();
    await Promise.race([once(sink, 'finish'), failed]);
    if (!c.json) c.err(`${n} results (${errors} errors) written to ${path}${from > 0 ? ` after its first ${from} lines` : ''}`);
  }
  return 0;
}

/** Keeps a results file's first n lines, to write from item n after them. */
async function keepLines(path: string, n: number): Promise<void> {
  let lines = 0;
  let bytes = 0;
  let end = -1;
  try {
    read: for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) {
        if (++lines === n) {
          end = bytes + i + 1;
          break read;
        }
      }
      bytes += chunk.length;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`results --from ${n}: ${path} does not exist; --from with --out continues a file`);
    throw err;
  }
  if (end < 0) throw new Error(`results --from ${n}: ${path} holds ${lines} whole lines; resume with --from ${lines}`);
  // A line cut off by a crash is dropped with the rest.
  await truncate(path, end);
}
