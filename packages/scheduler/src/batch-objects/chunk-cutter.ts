import type { Item } from './item-chunk.js';

/** How large a stored chunk may grow. */
export interface ChunkLimits {
  maxItems: number;
  /** Token bytes (4 a token) and custom id bytes together. */
  maxBytes: number;
}

export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { maxItems: 4096, maxBytes: 1 << 20 };

/**
 * Cuts a stream of items, however the client grouped them in messages, into
 * chunks for the store: a chunk is full at `maxItems` items or `maxBytes`
 * bytes (an item larger than that is a chunk alone). What is not full yet
 * waits for more, or for the end of the upload.
 */
export class ChunkCutter {
  private pending: Item[] = [];
  private bytes = 0;

  constructor(private readonly limits: ChunkLimits = DEFAULT_CHUNK_LIMITS) {}

  /** Adds items; the chunks they filled, in order. */
  add(items: Iterable<Item>): Item[][] {
    const full: Item[][] = [];
    for (const it of items) {
      const size = it.tokens.length * 4 + Buffer.byteLength(it.customId);
      if (this.pending.length > 0 && this.bytes + size > this.limits.maxBytes) full.push(this.take());
      this.pending.push(it);
      this.bytes += size;
      if (this.pending.length >= this.limits.maxItems || this.bytes >= this.limits.maxBytes) full.push(this.take());
    }
    return full;
  }

  /** What is left, as a last chunk (empty when nothing is). */
  flush(): Item[][] {
    return this.pending.length ? [this.take()] : [];
  }

  /** Items waiting for their chunk to fill. */
  get waiting(): number {
    return this.pending.length;
  }

  private take(): Item[] {
    const chunk = this.pending;
    this.pending = [];
    this.bytes = 0;
    return chunk;
  }
}
