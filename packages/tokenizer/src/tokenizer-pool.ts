import { Piscina } from 'piscina';
import { encodeWithin, type OverLimit } from './bounded-encode.js';
import { tokenizerBackend, type TokenizerBackend } from './encode.js';

const threadFile = new URL(`./tokenize-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/**
 * Texts shorter than this (UTF-16 units) are tokenized inline, on the caller's
 * thread: at most about a millisecond whatever the text (bench:tokenize's
 * "worst inline text" row), and a thread hop would cost more than it saves.
 * The TypeScript path is several times slower, so its bound is lower.
 */
export const INLINE_CHARS = { native: 4096, typescript: 1024 } as const;

/**
 * The o200k_base tokenizer (as GPT-4o counts), with long texts and bulk work
 * tokenized on worker threads so that the caller's event loop keeps answering.
 */
export class Tokenizer {
  readonly encoding = 'o200k_base';
  private readonly pool: Piscina;

  constructor(threads: number) {
    this.pool = new Piscina({ filename: threadFile, minThreads: 0, maxThreads: threads, idleTimeout: 30_000 });
  }

  /** Native or TypeScript, chosen at first use (the addon when it loads). */
  get backend(): TokenizerBackend {
    return tokenizerBackend();
  }

  /** Texts at least this long go to a thread. */
  get inlineChars(): number {
    return INLINE_CHARS[this.backend.name];
  }

  /** The text's tokens, or, past `limit` of them, where counting stopped (see encodeWithin). */
  async encode(text: string, limit: number): Promise<Uint32Array | OverLimit> {
    if (text.length < this.inlineChars) return encodeWithin(text, limit);
    return (await this.pool.run({ text, limit })) as Uint32Array | OverLimit;
  }

  /** Several texts, on a thread, whatever their length: for bulk work that must not hold up this thread. */
  async encodeMany(texts: string[]): Promise<Uint32Array[]> {
    return (await this.pool.run(texts)) as Uint32Array[];
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}
