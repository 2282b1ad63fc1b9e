import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { encodeWithin, type OverLimit } from './bounded-encode.js';

/** Piscina task: one text up to a limit of tokens (see encodeWithin), or several texts whole → o200k_base token ids. */
export default function tokenize(task: { text: string; limit: number } | string[]): Uint32Array | OverLimit | Uint32Array[] {
  return Array.isArray(task) ? task.map((t) => Uint32Array.from(encode(t))) : encodeWithin(task.text, task.limit);
}
