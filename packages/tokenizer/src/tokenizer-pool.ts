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

/** An owner (a tenant) already has as many texts waiting for a thread as it may: refused, not queued. */
export class TokenizerBusy extends Error {
  constructor(
    readonly owner: string,
    readonly waiting: number,
  ) {
    super(`${waiting} long texts of ${owner} are being tokenized already`);
  }
}

export interface TokenizerOptions {
  /** Threads tokenizing long texts and bulk work. */
  threads: number;
  /** Long texts one owner may have waiting for or on a thread (default: twice the threads): one sender cannot queue hours of work ahead of the others'. */
  perOwner?: number;
}

/**
 * The o200k_base tokenizer (as GPT-4o counts), with long texts and bulk work
 * tokenized on worker threads so that the caller's event loop keeps answering.
 */
export class Tokenizer {
  readonly encoding = 'o200k_base';
  private readonly pool: Piscina;
  private readonly perOwner: number;
  private readonly threads: number;
  private readonly waiting = new Map<string, number>();

  constructor(opts: TokenizerOptions | number) {
    const o = typeof opts === 'number' ? { threads: opts } : opts;
    this.threads = o.threads;
    this.perOwner = o.perOwner ?? 2 * o.threads;
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
  async encode(text: string, limit: number, opts: { owner?: string; bytesPerToken?: number } = {}): Promise<Uint32Array | OverLimit> {
    const bytesPerToken = opts.bytesPerToken ?? MAX_TOKEN_BYTES;
    if (text.length < this.inlineChars) return encodeWithin(text, limit, bytesPerToken);
    if (tooLongToTokenize(text, limit, bytesPerToken)) return { counted: 0 };
    const owner = opts.owner ?? '';
    const waiting = this.waiting.get(owner) ?? 0;
    if (waiting >= this.perOwner) throw new TokenizerBusy(owner, waiting);
    this.waiting.set(owner, waiting + 1);
    try {
      return (await this.pool.run({ text, limit, bytesPerToken })) as Uint32Array | OverLimit;
    } finally {
      const left = (this.waiting.get(owner) ?? 1) - 1;
      if (left > 0) this.waiting.set(owner, left);
      else this.waiting.delete(owner);
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
    await this.pool.destroy();
  }
}
