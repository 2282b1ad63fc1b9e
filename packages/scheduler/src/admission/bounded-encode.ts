import { encode, encodeGenerator } from 'gpt-tokenizer/encoding/o200k_base';

/** A text with more tokens than its limit: how many were counted before stopping (0: refused by its length alone). */
export interface OverLimit {
  counted: number;
}

/**
 * Special-token strings (<|endoftext|>…) in a text are text: encoded as their ordinary tokens, as
 * tiktoken's encode_ordinary does. gpt-tokenizer's default throws on them, which made a tenant's
 * text a server error.
 */
const ORDINARY = { disallowedSpecial: new Set<string>() };

/** A whole text's o200k_base tokens, special-token strings as plain text. */
export function encodeText(text: string): Uint32Array {
  return Uint32Array.from(encode(text, ORDINARY));
}

/** The most UTF-8 bytes one o200k_base token covers (token 72056, 128 spaces): a text of b bytes has at least b/128 tokens. */
const MAX_TOKEN_BYTES = 128;

/**
 * A text's o200k_base tokens, or where counting stopped once they passed
 * `limit`: the work done for a text that is refused is bounded by the limit,
 * not by the text. Every token covers at least one UTF-8 byte, so a text of
 * no more bytes than the limit is encoded whole, the fastest way; one too
 * long for even the longest tokens is refused unread.
 */
export function encodeWithin(text: string, limit: number): Uint32Array | OverLimit {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most texts are settled without counting their bytes.
  if (text.length * 3 <= limit) return encodeText(text);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit) return encodeText(text);
  if (Math.ceil(bytes / MAX_TOKEN_BYTES) > limit) return { counted: 0 };
  const out = new Uint32Array(limit);
  let n = 0;
  // One piece (a pre-tokenizer match) at a time: stops within a piece of the limit.
  for (const piece of encodeGenerator(text, ORDINARY)) {
    if (n + piece.length > limit) return { counted: n + piece.length };
    out.set(piece, n);
    n += piece.length;
  }
  return out.slice(0, n);
}
