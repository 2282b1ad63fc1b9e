import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ranksFile } from './ts/ranks.js';

/** Several texts' tokens in one array: [n, offsets (n + 1), tokens]; text k's are tokens[offsets[k] … offsets[k+1]). */
export type PackedTokens = Uint32Array;

/** The addon's functions (native/src/tokenizer.cc). */
export interface NativeTokenizer {
  /** Parses the ranks file, once a process (threads share it); returns the vocabulary's size. */
  load(ranks: Uint8Array): number;
  encode(text: string): Uint32Array;
  /** The tokens, or, once past `limit`, how many were counted. */
  encodeUpTo(text: string, limit: number): Uint32Array | number;
  encodeMany(texts: string[]): PackedTokens;
}

/** The same path from src/ and from dist/: both sit one level under the package. */
export const ADDON_PATH = fileURLToPath(new URL('../native/build/Release/nightshift_tokenizer.node', import.meta.url));

/** The addon with its ranks loaded, or why not (not built, or NIGHTSHIFT_TOKENIZER=ts). */
export function loadNative(): NativeTokenizer | Error {
  if (process.env.NIGHTSHIFT_TOKENIZER === 'ts') return new Error('NIGHTSHIFT_TOKENIZER=ts');
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as NativeTokenizer;
    addon.load(readFileSync(ranksFile()));
    return addon;
  } catch (err) {
    return err as Error;
  }
}
