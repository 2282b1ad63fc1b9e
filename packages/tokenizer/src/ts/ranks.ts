import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * o200k_base's merge ranks, from OpenAI's own `o200k_base.tiktoken` file (a
 * token's bytes in base64 and its rank, a line each), as gpt-tokenizer ships it.
 */
export interface Ranks {
  /** Rank by a token's bytes, each byte one char (latin1): any byte sequence can be looked up. */
  byBytes: Map<string, number>;
  /** Rank by a token's text, for the tokens that are whole UTF-8: a piece that is one token is found without encoding it. */
  byText: Map<string, number>;
  /** Every token's bytes, by rank. */
  bytes: Uint8Array[];
}

/** Where the ranks file is (the scheduler's dependency gpt-tokenizer ships it in `data/`). */
export function ranksFile(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('gpt-tokenizer/package.json')), 'data', 'o200k_base.tiktoken');
}

export function loadRanks(file = ranksFile()): Ranks {
  const byBytes = new Map<string, number>();
  const byText = new Map<string, number>();
  const bytes: Uint8Array[] = [];
  const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  for (const line of readFileSync(file, 'latin1').split('\n')) {
    if (!line) continue;
    const space = line.indexOf(' ');
    const raw = Buffer.from(line.slice(0, space), 'base64');
    const rank = Number(line.slice(space + 1));
    bytes[rank] = raw;
    byBytes.set(raw.toString('latin1'), rank);
    try {
      byText.set(utf8.decode(raw), rank);
    } catch {
      // A token that is part of a character: reached through bytes only.
    }
  }
  return { byBytes, byText, bytes };
}
