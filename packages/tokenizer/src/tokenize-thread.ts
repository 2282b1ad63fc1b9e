import { encodeWithin, type OverLimit } from './bounded-encode.js';
import { encodeMany } from './encode.js';

/** Piscina task: one text up to a limit of tokens (see encodeWithin), or several texts whole → o200k_base token ids. */
export default function tokenize(task: { text: string; limit: number; bytesPerToken: number } | string[]): Uint32Array | OverLimit | Uint32Array[] {
  return Array.isArray(task) ? encodeMany(task) : encodeWithin(task.text, task.limit, task.bytesPerToken);
}
