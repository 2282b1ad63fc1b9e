export { encodeOrdinary, encodeOrdinaryUpTo, encodeMany, decode, tokenizerBackend, MAX_TOKEN_BYTES, type TokenizerBackend } from './encode.js';
export { encodeWithin, type OverLimit } from './bounded-encode.js';
export { Tokenizer, INLINE_CHARS } from './tokenizer-pool.js';
