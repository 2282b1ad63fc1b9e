// The ragged batches one kernel backend is checked on against another (scripts/gpu-check.sh):
// edge lengths around the shingle and the kernels' tile sizes, random log-uniform lengths
// up to 65,536 tokens, batches of 1 to 1,024 jobs, several params per op.
import { resolveOp, seededRandom, type OpName, type OpSpec } from '@nightshift/proto';
import { NATIVE_ATTENTION_MAX_ELEMENTS } from '../../src/native/index.js';

export interface CompareCase {
  id: string;
  spec: OpSpec;
  seqs: Uint32Array[];
}

export interface CaseProfile {
  /** Longest sequence (the single-long-job cases use exactly this). */
  maxLength: number;
  batchSizes: number[];
  /** Tokens in one batch, at most; attention counts tokens² ÷ 1,024 instead (its cost is quadratic). */
  maxBatchTokens: number;
  /** Params per op: the first set is the op's defaults. */
  paramsPerOp: number;
}

/** What the GPU check runs: every length and batch size the issue names. */
export const FULL_PROFILE: CaseProfile = { maxLength: 65_536, batchSizes: [1, 2, 7, 64, 257, 1024], maxBatchTokens: 4_000_000, paramsPerOp: 4 };
/** Small enough for the TypeScript kernels to answer in seconds (the check's own test). */
export const QUICK_PROFILE: CaseProfile = { maxLength: 700, batchSizes: [1, 7, 64], maxBatchTokens: 20_000, paramsPerOp: 2 };

const PARAMS: Record<OpName, Record<string, string>[]> = {
  minhash: [{}, { numPerm: '1', shingle: '1', seed: '0' }, { numPerm: '1024', shingle: '256', seed: '18446744073709551615' }, { numPerm: '77', shingle: '3', seed: '12345' }],
  embed: [{}, { dim: '8', seed: '0' }, { dim: '4096', seed: '18446744073709551615' }, { dim: '100', seed: '7' }],
  attention: [{}, { dim: '8', seed: '0' }, { dim: '256', seed: '18446744073709551615' }, { dim: '100', seed: '7' }],
};

/** Random token ids over the whole uint32 range, with 0 and 0xffffffff now and then. */
function randomSeq(rand: () => number, n: number): Uint32Array {
  const s = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rand();
    s[i] = r < 0.01 ? 0xffffffff : r < 0.02 ? 0 : r < 0.6 ? Math.floor(rand() * 200_000) : Math.floor(rand() * 0x1_0000_0000);
  }
  return s;
}

/** A length between 1 and max, uniform in its logarithm. */
const logUniform = (rand: () => number, max: number) => Math.max(1, Math.floor(Math.exp(rand() * Math.log(max))));

/** The cost measure a batch is held under: tokens, or tokens² ÷ 1,024 for attention. */
const cost = (op: OpName, n: number) => (op === 'attention' ? (n * n) / 1024 + n : n);

/** The longest attention sequence the addon takes at this dim. */
const longest = (spec: OpSpec, maxLength: number) => (spec.op === 'minhash' ? maxLength : Math.min(maxLength, Math.floor(NATIVE_ATTENTION_MAX_ELEMENTS / spec.params.dim)));

export function compareCases(profile: CaseProfile, seed = 1): CompareCase[] {
  const rand = seededRandom(seed);
  const cases: CompareCase[] = [];
  for (const op of ['minhash', 'embed', 'attention'] as const) {
    for (const raw of PARAMS[op].slice(0, profile.paramsPerOp)) {
      const spec = resolveOp(op, { [op]: raw } as never);
      const tag = `${op}${Object.keys(raw).length ? `(${Object.entries(raw).map(([k, v]) => `${k}=${v}`).join(',')})` : ''}`;
      const max = longest(spec, profile.maxLength);
      // Lengths where kernels change their path: empty, one token, around the shingle, around tiles of 32 to 1,024.
      const shingle = spec.op === 'minhash' ? spec.params.shingle : 5;
      const edges = [0, 1, 2, shingle - 1, shingle, shingle + 1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1023, 1024, 1025]
        .filter((n, i, all) => n >= 0 && n <= max && all.indexOf(n) === i);
      cases.push({ id: `${tag} edges`, spec, seqs: edges.map((n) => randomSeq(rand, n)) });
      // One token repeated: every shingle the same.
      cases.push({ id: `${tag} one token repeated`, spec, seqs: [Math.min(max, 300), Math.min(max, 5)].map((n) => new Uint32Array(n).fill(42)) });
      for (const size of profile.batchSizes) {
        const seqs: Uint32Array[] = [];
        let spent = 0;
        // Lengths shrink as the batch fills, so that big batches stay within the budget.
        for (let i = 0; i < size; i++) {
          const room = profile.maxBatchTokens - spent;
          let n = logUniform(rand, max);
          while (n > 1 && cost(op, n) * (size - i) > room) n = Math.floor(n / 2);
          spent += cost(op, n);
          seqs.push(randomSeq(rand, n));
        }
        cases.push({ id: `${tag} batch of ${size}`, spec, seqs });
      }
      // The longest sequence alone, once per op at its default params.
      if (raw === PARAMS[op][0] && cost(op, max) <= profile.maxBatchTokens * 1024) cases.push({ id: `${tag} one of ${max} tokens`, spec, seqs: [randomSeq(rand, max)] });
    }
  }
  return cases;
}
