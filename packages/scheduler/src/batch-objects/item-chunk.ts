import { packLe32, unpackLe32 } from '@nightshift/proto';

/** One item of a batch object as it is uploaded: its caller's id and its token ids. */
export interface Item {
  customId: string;
  tokens: Uint32Array;
}

/** A chunk of items, decoded: item i's tokens are tokens[offsets[i] … offsets[i + 1]). */
export interface ItemChunk {
  customIds: string[];
  offsets: Uint32Array;
  tokens: Uint32Array;
}

/**
 * Items are stored thousands to a Redis value, never a key per item. A chunk is
 * little-endian 32-bit words, then the custom ids' bytes:
 *
 *   n | offsets[0 … n] (tokens) | idEnds[0 … n − 1] (bytes) | tokens … | ids (UTF-8, back to back)
 *
 * Every word is 4-byte aligned from the chunk's start, so the whole header and
 * the tokens decode in one copy each.
 */
export function encodeItemChunk(items: readonly Item[]): Buffer {
  const n = items.length;
  const words = new Uint32Array(1 + (n + 1) + n);
  words[0] = n;
  let tokenCount = 0;
  const ids = items.map((it) => Buffer.from(it.customId, 'utf8'));
  let idBytes = 0;
  for (let i = 0; i < n; i++) {
    words[1 + i] = tokenCount;
    tokenCount += items[i]!.tokens.length;
    idBytes += ids[i]!.length;
    words[2 + n + i] = idBytes;
  }
  words[1 + n] = tokenCount;
  const tokens = new Uint32Array(tokenCount);
  for (let i = 0; i < n; i++) tokens.set(items[i]!.tokens, words[1 + i]!);
  return Buffer.concat([packLe32(words), packLe32(tokens), ...ids]);
}

export function decodeItemChunk(bytes: Uint8Array): ItemChunk {
  if (bytes.byteLength < 8) throw new RangeError(`an item chunk holds at least 8 bytes, not ${bytes.byteLength}`);
  const n = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0, true);
  const headerWords = 1 + (n + 1) + n;
  if (bytes.byteLength < headerWords * 4) throw new RangeError(`an item chunk of ${n} items is cut short`);
  const header = unpackLe32(bytes.subarray(0, headerWords * 4), 'u32') as Uint32Array;
  const offsets = header.slice(1, n + 2);
  const tokenBytes = offsets[n]! * 4;
  const tokensEnd = headerWords * 4 + tokenBytes;
  const idEnd = n ? header[2 + n + n - 1]! : 0;
  if (bytes.byteLength !== tokensEnd + idEnd) throw new RangeError(`an item chunk of ${n} items and ${offsets[n]} tokens is ${bytes.byteLength} bytes, not ${tokensEnd + idEnd}`);
  const tokens = unpackLe32(bytes.subarray(headerWords * 4, tokensEnd), 'u32') as Uint32Array;
  const ids = Buffer.from(bytes.buffer, bytes.byteOffset + tokensEnd, idEnd);
  const customIds = new Array<string>(n);
  let from = 0;
  for (let i = 0; i < n; i++) {
    const to = header[2 + n + i]!;
    customIds[i] = ids.toString('utf8', from, to);
    from = to;
  }
  return { customIds, offsets, tokens };
}

/** Item i of a decoded chunk. */
export function itemOf(chunk: ItemChunk, i: number): Item {
  return { customId: chunk.customIds[i]!, tokens: chunk.tokens.subarray(chunk.offsets[i]!, chunk.offsets[i + 1]!) };
}
