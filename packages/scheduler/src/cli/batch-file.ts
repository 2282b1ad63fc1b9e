import { createReadStream, type ReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { packTokens, type BatchItem, type OpSpec } from '@nightshift/proto';
import { BatchOp, parseBatchLine } from './batch-lines.js';

export interface BadLine {
  /** FILE:LINE */
  where: string;
  customId: string;
  error: string;
}

/**
 * A JSONL batch file read as a stream, a line at a time (a file may hold millions): its items in
 * order, every line that cannot be one reported (by file and line) and left out. Blank lines are
 * not items. The first good line's op and params are the batch's (see BatchOp).
 */
export class BatchFile {
  readonly op: BatchOp;
  items = 0;
  bad = 0;
  private input: ReadStream | undefined;
  private specAt = 0;
  /** Lines that are not items (blank or bad), ascending: an item's index maps back to its line. */
  private readonly notItems: number[] = [];

  constructor(
    readonly path: string,
    flags: { op?: string; params?: unknown },
    private readonly onBad: (b: BadLine) => void,
  ) {
    this.op = new BatchOp(flags);
  }

  get spec(): OpSpec | undefined {
    return this.op.spec;
  }

  /** Bytes of the file read so far (readline reads ahead a little). */
  get bytesRead(): number {
    return this.input?.bytesRead ?? 0;
  }

  async *read(): AsyncGenerator<BatchItem> {
    this.input = createReadStream(this.path);
    let n = 0;
    for await (const line of createInterface({ input: this.input, crlfDelay: Infinity })) {
      n++;
      if (!line.trim()) {
        this.notItems.push(n);
        continue;
      }
      const parsed = parseBatchLine(line);
      const error = 'error' in parsed ? parsed.error : this.op.check(parsed, () => `set by line ${this.specAt}`);
      if (error !== undefined) {
        this.bad++;
        this.notItems.push(n);
        this.onBad({ where: `${this.path}:${n}`, customId: parsed.customId ?? '', error });
        continue;
      }
      if (this.specAt === 0) this.specAt = n;
      const p = parsed as Exclude<typeof parsed, { error: string }>;
      this.items++;
      yield 'text' in p ? { customId: p.customId, text: p.text } : { customId: p.customId, tokens: packTokens(p.tokens) };
    }
  }

  /** The line (from 1) of item `index` (from 0), among the items read so far. */
  lineOf(index: number): number {
    let line = index + 1;
    for (const skipped of this.notItems) {
      if (skipped > line) break;
      line++;
    }
    return line;
  }
}
