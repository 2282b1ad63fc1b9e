import { encode } from 'gpt-tokenizer/encoding/o200k_base';

/** Piscina task: text (or several) → o200k_base token ids. */
export default function tokenize(text: string | string[]): Uint32Array | Uint32Array[] {
  return typeof text === 'string' ? Uint32Array.from(encode(text)) : text.map((t) => Uint32Array.from(encode(t)));
}
