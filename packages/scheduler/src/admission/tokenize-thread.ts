import { encode } from 'gpt-tokenizer/encoding/o200k_base';

/** Piscina task: text → o200k_base token ids. */
export default function tokenize(text: string): Uint32Array {
  return Uint32Array.from(encode(text));
}
