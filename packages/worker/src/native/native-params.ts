import { ParamError, PARAM_SCHEMAS, type OpSpec } from '@nightshift/proto';
import type { NativeParams } from './native.js';

/** Longest attention sequence the addon takes (its cost is quadratic), and its n × dim ceiling. */
export const NATIVE_ATTENTION_MAX_LENGTH = 262_144;
export const NATIVE_ATTENTION_MAX_ELEMENTS = 2 ** 27;

/**
 * The op's params as the addon takes them, checked again here so that
 * nothing out of range ever reaches native code: a ParamError names the field.
 */
export function nativeParams(spec: OpSpec): NativeParams {
  const p = spec.params as { numPerm?: number; shingle?: number; dim?: number; seed: string };
  const int = (v: unknown, lo: number, hi: number) => Number.isInteger(v) && (v as number) >= lo && (v as number) <= hi;
  // The common case in a few comparisons; the schema (and its message) only when something is off.
  const fast = spec.op === 'minhash' ? int(p.numPerm, 1, 1024) && int(p.shingle, 1, 256) : int(p.dim, 8, 4096);
  if (fast && /^\d{1,20}$/.test(p.seed) && BigInt(p.seed) < 1n << 64n) {
    const seed = BigInt(p.seed);
    return spec.op === 'minhash' ? { numPerm: p.numPerm!, shingle: p.shingle!, seed } : { dim: p.dim!, seed };
  }
  const parsed = PARAM_SCHEMAS[spec.op].safeParse(Object.fromEntries(Object.entries(spec.params).map(([k, v]) => [k, String(v)])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ParamError(`params.${issue.path.join('.')}`, issue.message);
  }
  const seed = BigInt(spec.params.seed);
  return spec.op === 'minhash' ? { numPerm: spec.params.numPerm, shingle: spec.params.shingle, seed } : { dim: spec.params.dim, seed };
}

/** Throws a ParamError when the ragged batch is not well formed or a sequence is beyond the addon. */
export function checkNativeBatch(spec: OpSpec, tokens: Uint32Array, offsets: Uint32Array): void {
  if (!(tokens instanceof Uint32Array)) throw new ParamError('tokens', 'must be a Uint32Array');
  if (!(offsets instanceof Uint32Array) || offsets.length === 0 || offsets[0] !== 0) throw new ParamError('offsets', 'must be a Uint32Array starting with 0');
  for (let i = 1; i < offsets.length; i++) {
    if (offsets[i]! < offsets[i - 1]!) throw new ParamError('offsets', `entry ${i} is below entry ${i - 1}`);
    if (spec.op === 'attention') {
      const n = offsets[i]! - offsets[i - 1]!;
      if (n > NATIVE_ATTENTION_MAX_LENGTH || n * spec.params.dim > NATIVE_ATTENTION_MAX_ELEMENTS) {
        throw new ParamError('tokens', `an attention sequence of ${n} tokens at dim ${spec.params.dim} is above the native limit (${NATIVE_ATTENTION_MAX_LENGTH} tokens, ${NATIVE_ATTENTION_MAX_ELEMENTS} tokens × dim)`);
      }
    }
  }
  if (offsets[offsets.length - 1] !== tokens.length) throw new ParamError('offsets', 'the last entry must equal tokens.length');
}
