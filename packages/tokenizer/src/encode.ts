import { loadNative, type NativeTokenizer, type PackedTokens } from './native.js';
import * as ts from './ts/encode.js';

/** Which implementation tokenizes in this process, and why when it is not the native one. */
export interface TokenizerBackend {
  name: 'native' | 'typescript';
  reason?: string;
}

let native: NativeTokenizer | undefined;
let chosen: TokenizerBackend | undefined;

/** Chosen at first use: the addon when it loads, else the TypeScript path (as exact, slower). */
export function tokenizerBackend(): TokenizerBackend {
  if (chosen) return chosen;
  const addon = loadNative();
  if (addon instanceof Error) chosen = { name: 'typescript', reason: addon.message };
  else {
    native = addon;
    chosen = { name: 'native' };
  }
  return chosen;
}

/**
 * A text's o200k_base token ids, exactly as tiktoken's `encode_ordinary` gives
 * them: special-token strings (`<|endoftext|>`) are text like any other.
 */
export function encodeOrdinary(text: string): Uint32Array {
  tokenizerBackend();
  return native ? native.encode(text) : ts.encodeOrdinary(text);
}

/** A text's tokens, or, once more than `limit`, where counting stopped (within a piece of it). */
export function encodeOrdinaryUpTo(text: string, limit: number): Uint32Array | { counted: number } {
  tokenizerBackend();
  if (!native) return ts.encodeOrdinaryUpTo(text, limit);
  const r = native.encodeUpTo(text, limit);
  return typeof r === 'number' ? { counted: r } : r;
}

/** Several texts, in one call, packed: two arrays whatever the count (a thread hands them over without copying). */
export function encodeManyPacked(texts: string[]): PackedTokens {
  tokenizerBackend();
  if (native) return native.encodeMany(texts);
  const each = texts.map((t) => ts.encodeOrdinary(t));
  const n = texts.length;
  const packed = new Uint32Array(n + 2 + each.reduce((a, t) => a + t.length, 0));
  packed[0] = n;
  each.forEach((t, k) => {
    packed.set(t, n + 2 + packed[k + 1]!);
    packed[k + 2] = packed[k + 1]! + t.length;
  });
  return packed;
}

/** Views of each text's tokens in a packed result. */
export function unpack(packed: PackedTokens): Uint32Array[] {
  const n = packed[0]!;
  const tokens = packed.subarray(n + 2);
  return Array.from({ length: n }, (_, k) => tokens.subarray(packed[k + 1]!, packed[k + 2]!));
}

/** Several texts, in one call. */
export function encodeMany(texts: string[]): Uint32Array[] {
  return unpack(encodeManyPacked(texts));
}

export type { PackedTokens } from './native.js';

export { decode, MAX_TOKEN_BYTES } from './ts/encode.js';
