import { Piscina } from 'piscina';
import { encodeWithin, tooLongToTokenize, type OverLimit } from './bounded-encode.js';
import { MAX_TOKEN_BYTES, tokenizerBackend, unpack, type PackedTokens, type TokenizerBackend } from './encode.js';

const threadFile = new URL(`./tokenize-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * Texts shorter than this (UTF-16 units) are tokenized inline, on the caller's
 * thread: about a millisecond at most whatever the text (bench:tokenize's
 * "worst inline text" table), and a thread hop would cost more than it saves.
 * The TypeScript path is several times slower, so its bound is lower.
 */
export const INLINE_CHARS = { native: 4096, typescript: 1024 } as const;

/** An owner (a tenant) already has as many long texts waiting as it may: refused, not queued. */
export class TokenizerBusy extends Error {
  constructor(
    readonly owner: string,
    readonly waiting: number,
  ) {
    super(`${waiting} long texts of ${owner} are waiting to be tokenized already`);
  }
}

export interface TokenizerOptions {
  /** Threads tokenizing long texts and bulk work. */
  threads: number;
  /** Long texts one owner may have waiting (beyond it, TokenizerBusy): its backlog is bounded in memory. Default 64. */
  perOwner?: number;
}

interface Waiting {
  text: string;
  limit: number;
  bytesPerToken: number;
  done: (r: Uint32Array | OverLimit) => void;
  fail: (err: unknown) => void;
}

/**
 * The o200k_base tokenizer (as GPT-4o counts), with long texts and bulk work
 * tokenized on worker threads so that the caller's event loop keeps answering.
 * Long texts wait in a queue per owner (tenant), and the threads take the
 * owners in turn: one that sends many cannot hold back another's.
 */
export class Tokenizer {
  readonly encoding = 'o200k_base';
  private readonly pool: Piscina;
  private readonly perOwner: number;
  private readonly threads: number;
  /** Owners with texts waiting, in the order they are served (a ring), each with its texts. */
  private readonly waiting = new Map<string, Waiting[]>();
  private running = 0;

  constructor(opts: TokenizerOptions | number) {
    const o = typeof opts === 'number' ? { threads: opts } : opts;
    this.threads = o.threads;
    this.perOwner = o.perOwner ?? 64;
    this.pool = new Piscina({ filename: threadFile, minThreads: 0, maxThreads: o.threads, idleTimeout: 30_000 });
  }

  /** Native or TypeScript, chosen at first use (the addon when it loads). */
  get backend(): TokenizerBackend {
    return tokenizerBackend();
  }

  /** Texts at least this long go to a thread. */
  get inlineChars(): number {
    return INLINE_CHARS[this.backend.name];
  }

  /**
   * The text's tokens, or, past `limit` of them, where counting stopped (see encodeWithin). A text
   * longer than `limit` tokens of `bytesPerToken` bytes is refused here, before any thread is
   * asked; a long one whose owner has `perOwner` texts waiting already throws TokenizerBusy.
   */
  encode(text: string, limit: number, opts: { owner?: string; bytesPerToken?: number } = {}): Promise<Uint32Array | OverLimit> {
    const bytesPerToken = opts.bytesPerToken ?? MAX_TOKEN_BYTES;
    if (text.length < this.inlineChars) return Promise.resolve(encodeWithin(text, limit, bytesPerToken));
    if (tooLongToTokenize(text, limit, bytesPerToken)) return Promise.resolve({ counted: 0 });
    const owner = opts.owner ?? '';
    const queue = this.waiting.get(owner) ?? [];
    if (queue.length >= this.perOwner) return Promise.reject(new TokenizerBusy(owner, queue.length));
    return new Promise((done, fail) => {
      queue.push({ text, limit, bytesPerToken, done, fail });
      this.waiting.set(owner, queue);
      this.next();
    });
  }

  /** Starts waiting texts while threads are free, taking the owners in turn. */
  private next(): void {
    while (this.running < this.threads && this.waiting.size > 0) {
      // The first owner in the ring gives one text, then goes to the back if it has more.
      const [owner, queue] = this.waiting.entries().next().value as [string, Waiting[]];
      const w = queue.shift()!;
      this.waiting.delete(owner);
      if (queue.length) this.waiting.set(owner, queue);
      this.running++;
      (this.pool.run({ text: w.text, limit: w.limit, bytesPerToken: w.bytesPerToken }) as Promise<Uint32Array | OverLimit>)
        .then(w.done, w.fail)
        .finally(() => {
          this.running--;
          this.next();
        });
    }
  }

  /**
   * Several texts, off this thread whatever their length: for bulk work. A long list is cut into
   * a slice a thread (of at least 64 texts), so that one caller's bulk work uses every thread.
   */
  async encodeMany(texts: string[]): Promise<Uint32Array[]> {
    const parts = Math.max(1, Math.min(this.threads, Math.ceil(texts.length / 64)));
    const size = Math.ceil(texts.length / parts);
    const slices = Array.from({ length: parts }, (_, k) => this.pool.run(texts.slice(k * size, (k + 1) * size)) as Promise<PackedTokens>);
    return (await Promise.all(slices)).flatMap(unpack);
  }

  async close(): Promise<void> {
    const left = [...this.waiting.values()].flat();
    this.waiting.clear();
    for (const w of left) w.fail(new Error('the tokenizer is closing'));
    await this.pool.destroy();
  }
}
