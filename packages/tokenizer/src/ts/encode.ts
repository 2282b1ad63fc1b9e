import { bytePairMerge, NO_RANK } from './byte-pair-merge.js';
import { PIECES } from './pieces.js';
import { loadRanks, type Ranks } from './ranks.js';

let ranks: Ranks | undefined;
/** The tables (tens of MB) load with the first text, not at start: a process sent only token ids never holds them. */
const tables = (): Ranks => (ranks ??= loadRanks());

/** The longest token's bytes (token 72056, 128 spaces): a longer range is never a token. */
export const MAX_TOKEN_BYTES = 128;

/** Pieces seen lately that are more than one token, with their tokens: text repeats its words. */
const recent = new Map<string, Uint32Array>();
const RECENT_MAX = 50_000;

/**
 * The tokens of one piece, handed to `emit`. A piece that is one token is found
 * by its text; others are encoded to UTF-8 (a lone surrogate as U+FFFD, as
 * tiktoken receives it) and merged.
 */
function encodePiece(piece: string, emit: (tokens: Uint32Array | number) => void): void {
  const t = tables();
  const one = t.byText.get(piece);
  if (one !== undefined) return emit(one);
  const seen = recent.get(piece);
  if (seen) return emit(seen);
  const bytes = Buffer.from(piece, 'utf8');
  const key = bytes.toString('latin1');
  const whole = t.byBytes.get(key);
  if (whole !== undefined) return emit(whole);
  const rankOf = (start: number, end: number): number =>
    end - start > MAX_TOKEN_BYTES ? NO_RANK : (t.byBytes.get(key.slice(start, end)) ?? NO_RANK);
  const parts = bytePairMerge(bytes, rankOf);
  const tokens = new Uint32Array(parts.length - 1);
  for (let i = 0; i + 1 < parts.length; i++) tokens[i] = t.byBytes.get(key.slice(parts[i]!, parts[i + 1]!))!;
  if (piece.length <= 64) {
    if (recent.size >= RECENT_MAX) recent.clear();
    recent.set(piece, tokens);
  }
  emit(tokens);
}

/** A growable list of token ids. */
class TokenList {
  ids = new Uint32Array(256);
  length = 0;

  push = (tokens: Uint32Array | number): void => {
    const n = typeof tokens === 'number' ? 1 : tokens.length;
    if (this.length + n > this.ids.length) {
      const grown = new Uint32Array(Math.max(this.ids.length * 2, this.length + n));
      grown.set(this.ids.subarray(0, this.length));
      this.ids = grown;
    }
    if (typeof tokens === 'number') this.ids[this.length++] = tokens;
    else {
      this.ids.set(tokens, this.length);
      this.length += n;
    }
  };
}

/**
 * A text's o200k_base token ids, exactly as tiktoken's `encode_ordinary` gives
 * them: special-token strings (`<|endoftext|>`) are text like any other.
 */
export function encodeOrdinary(text: string, pieces = PIECES): Uint32Array {
  const out = new TokenList();
  forEachPiece(text, pieces, (piece) => encodePiece(piece, out.push));
  return out.ids.slice(0, out.length);
}

/** A text's tokens, or, once more than `limit`, where counting stopped: a text's pieces are encoded only until then. */
export function encodeOrdinaryUpTo(text: string, limit: number): Uint32Array | { counted: number } {
  const out = new TokenList();
  let over = false;
  forEachPiece(text, PIECES, (piece) => {
    encodePiece(piece, out.push);
    over = out.length > limit;
    return over;
  });
  return over ? { counted: out.length } : out.ids.slice(0, out.length);
}

/** Calls `each` with every piece in order (by `pieces`: tests and the table generator try others); it returns true to stop. */
function forEachPiece(text: string, pieces: RegExp, each: (piece: string) => boolean | void): void {
  // One shared regex: this runs synchronously, so no other text can move its lastIndex meanwhile.
  pieces.lastIndex = 0;
  for (let m = pieces.exec(text); m; m = pieces.exec(text)) if (each(m[0])) return;
}

/** The text of token ids (bytes that end mid-character become U+FFFD), for tests and tools. */
export function decode(ids: ArrayLike<number>): string {
  const t = tables();
  const parts: Uint8Array[] = [];
  for (let i = 0; i < ids.length; i++) parts.push(t.bytes[ids[i]!]!);
  return Buffer.concat(parts).toString('utf8');
}
