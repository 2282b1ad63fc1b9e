import type { OpSpec } from '@nightshift/proto';
import { attention } from './attention.js';
import { embed } from './embed.js';
import { minhash } from './minhash.js';

/** Runs one job's op with its resolved params: the reference result of that job. */
export function runOp(spec: OpSpec, tokens: Uint32Array): Uint32Array | Float32Array {
  const seed = BigInt(spec.params.seed);
  switch (spec.op) {
    case 'minhash':
      return minhash(tokens, { numPerm: spec.params.numPerm, shingle: spec.params.shingle, seed });
    case 'embed':
      return embed(tokens, { dim: spec.params.dim, seed });
    case 'attention':
      return attention(tokens, { dim: spec.params.dim, seed });
  }
}
