import { Piscina } from 'piscina';
import type { OverLimit } from './bounded-encode.js';

let tables: Promise<typeof import('./bounded-encode.js')> | undefined;
/** The o200k_base tables (some 66 MB) load with the first text, not at start: a scheduler sent only token ids never holds them. */
const bounded = () => (tables ??= import('./bounded-encode.js'));

const threadFile = new URL(`./tokenize-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url).href;

/** Texts shorter than this are tokenized inline: a thread hop would cost more than it saves. */
export const INLINE_CHARS = 16 * 1024;

/**
 * The real BPE tokenizer (o200k_base, as GPT-4o counts), with long texts
 * tokenized on worker threads so that the API keeps answering meanwhile.
 */
export class Tokenizer {
  readonly encoding = 'o200k_base';
  private readonly pool: Piscina;

  constructor(threads: number) {
    this.pool = new Piscina({ filename: threadFile, minThreads: 0, maxThreads: threads, idleTimeout: 30_000 });
  }

  /** The text's tokens, or, past `limit` of them, where counting stopped (see encodeWithin). */
  async encode(text: string, limit: number): Promise<Uint32Array | OverLimit> {
    if (text.length < INLINE_CHARS) return (await bounded()).encodeWithin(text, limit);
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
