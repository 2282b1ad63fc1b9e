import { encodeOrdinary, encodeOrdinaryUpTo, MAX_TOKEN_BYTES } from './encode.js';

/** A text with more tokens than its limit: how many were counted before stopping (0: refused by its length alone). */
export interface OverLimit {
  counted: number;
}

/**
 * True when a text is longer than `limit` tokens of `bytesPerToken` bytes each
 * could be: decided without tokenizing, and mostly without counting its bytes
 * (a UTF-16 unit is 1 to 3 UTF-8 bytes).
 */
export function tooLongToTokenize(text: string, limit: number, bytesPerToken = MAX_TOKEN_BYTES): boolean {
  const most = limit * bytesPerToken;
  if (text.length > most) return true;
  return text.length * 3 > most && Buffer.byteLength(text, 'utf8') > most;
}

/**
 * A text's o200k_base tokens, or where counting stopped once they passed
 * `limit`: the work done for a text that is refused is bounded by the limit,
 * not by the text. Every token covers at least one UTF-8 byte, so a text of
 * no more bytes than the limit is encoded whole, the fastest way; one longer
 * than the limit allows at `bytesPerToken` bytes a token is refused unread
 * (128, the longest token, refuses only what could never fit).
 */
export function encodeWithin(text: string, limit: number, bytesPerToken = MAX_TOKEN_BYTES): Uint32Array | OverLimit {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most texts are settled without counting their bytes.
  if (text.length * 3 <= limit) return encodeOrdinary(text);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limit) return encodeOrdinary(text);
  if (bytes > limit * bytesPerToken) return { counted: 0 };
  return encodeOrdinaryUpTo(text, limit);
}
