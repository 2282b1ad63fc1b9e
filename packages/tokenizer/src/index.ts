export { encodeOrdinary, encodeOrdinaryUpTo, encodeMany, encodeManyPacked, decode, tokenizerBackend, MAX_TOKEN_BYTES, type TokenizerBackend, type PackedTokens } from './encode.js';
export { encodeWithin, tooLongToTokenize, type OverLimit } from './bounded-encode.js';
export { Tokenizer, TokenizerBusy, INLINE_CHARS, type TokenizerOptions } from './tokenizer-pool.js';
