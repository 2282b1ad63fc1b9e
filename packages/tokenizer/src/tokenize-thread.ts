import { Piscina } from 'piscina';
import { encodeWithin, type OverLimit } from './bounded-encode.js';
import { encodeManyPacked, type PackedTokens } from './encode.js';

/**
 * Piscina task: one text up to a limit of tokens (see encodeWithin), or several texts whole,
 * packed and moved (not copied) back to the caller's thread.
 */
export default function tokenize(task: { text: string; limit: number; bytesPerToken: number } | string[]): Uint32Array | OverLimit | PackedTokens {
  if (!Array.isArray(task)) return encodeWithin(task.text, task.limit, task.bytesPerToken);
  return Piscina.move(encodeManyPacked(task)) as PackedTokens;
}
