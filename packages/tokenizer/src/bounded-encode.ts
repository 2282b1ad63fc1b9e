import { encodeOrdinary, encodeOrdinaryUpTo, MAX_TOKEN_BYTES } from './encode.js';

/** A text with more tokens than its limit: how many were counted before stopping (0: refused by its length alone). */
export interface OverLimit {
  counted: number;
}

/**
 * A text's o200k_base tokens, or where counting stopped once they passed
 * `limit`: the work done for a text that is refused is bounded by the limit,
 * not by the text. Every token covers at least one UTF-8 byte, so a text of
 * no more bytes than the limit is encoded whole, the fastest way; one too
 * long for even the longest tokens is refused unread.
 */
export function encodeWithin(text: string, limit: number): Uint32Array | OverLimit {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most texts are settled without counting their bytes.
  if (text.length * 3 <= limit) return encodeOrdinary(text);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit) return encodeOrdinary(text);
  if (Math.ceil(bytes / MAX_TOKEN_BYTES) > limit) return { counted: 0 };
  return encodeOrdinaryUpTo(text, limit);
}
