import { readFileSync } from 'node:fs';
// The scheduler's own tokenizer: what it measures is what the test expects.
import { encodeOrdinary as encode } from '@nightshift/tokenizer';
import { packTokens, resolveOp, type JobSpec, type OpSpec } from '@nightshift/proto';
import { seededRandom } from '@nightshift/proto';
import { runOp } from '@nightshift/worker/kernels';

/** A deterministic PRNG (mulberry32), so a failing run can be repeated. */
export const rng = seededRandom;

export interface PlannedJob {
  spec: JobSpec;
  op: OpSpec;
  /** The tokens the scheduler should measure. */
  tokens: Uint32Array;
  expected: Uint32Array | Float32Array;
}

const corpus = readFileSync(new URL('../../samples/corpus.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => (JSON.parse(l) as { text: string }).text);

/**
 * `n` jobs of mixed ops and lengths (log-uniform from 1 to `maxTokens`;
 * attention up to `maxAttention`), a third of them as text from the sample
 * corpus, the rest as raw token ids; each with the result the reference
 * kernels give.
 */
export function mixedJobs(n: number, seed: number, maxTokens = 20_000, maxAttention = 1_500): PlannedJob[] {
  const rand = rng(seed);
  const ops = ['minhash', 'embed', 'attention'] as const;
  return Array.from({ length: n }, (_, i) => {
    const opName = ops[i % 3]!;
    const paramsChoice = rand() < 0.25;
    const params =
      opName === 'minhash'
        ? { minhash: paramsChoice ? { numPerm: '64', shingle: '3', seed: '7' } : {} }
        : opName === 'embed'
          ? { embed: paramsChoice ? { dim: '64', seed: '18446744073709551615' } : {} }
          : { attention: paramsChoice ? { dim: '32' } : {} };
    const op = resolveOp(opName, params);
    const max = opName === 'attention' ? maxAttention : maxTokens;
    const length = Math.max(1, Math.round(Math.exp(rand() * Math.log(max))));
    let tokens: Uint32Array;
    let spec: JobSpec;
    if (rand() < 0.33) {
      const text = corpus[Math.floor(rand() * corpus.length)]!;
      tokens = Uint32Array.from(encode(text));
      spec = { op: opName, params, text, clientRef: `job-${i}` };
    } else {
      tokens = Uint32Array.from({ length }, () => (rand() < 0.01 ? 0xffffffff : Math.floor(rand() * 200_000)));
      spec = { op: opName, params, tokens: packTokens(tokens), clientRef: `job-${i}` };
    }
    return { spec, op, tokens, expected: runOp(op, tokens) };
  });
}
