import { z } from 'zod';
import type { OpParams__Output } from './generated/index.js';

/**
 * The op catalogue: each op's parameters with their defaults and bounds, and
 * the kind of result it returns. The scheduler validates submissions with it
 * and the worker checks batches with it, so both read the same limits.
 */

export const OP_NAMES = ['minhash', 'embed', 'attention'] as const;
export type OpName = (typeof OP_NAMES)[number];

export function isOpName(op: string): op is OpName {
  return (OP_NAMES as readonly string[]).includes(op);
}

const U64_MAX = (1n << 64n) - 1n;

// int64 fields arrive as decimal strings (longs: String); bounds are checked
// before Number() so huge values are reported, not rounded.
const boundedInt = (min: number, max: number, fallback: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return fallback;
      const s = String(v);
      if (!/^-?\d+$/.test(s)) {
        ctx.addIssue({ code: 'custom', message: `must be an integer, got ${JSON.stringify(v)}` });
        return z.NEVER;
      }
      const n = BigInt(s);
      if (n < BigInt(min) || n > BigInt(max)) {
        ctx.addIssue({ code: 'custom', message: `must be between ${min} and ${max}, got ${s}` });
        return z.NEVER;
      }
      return Number(n);
    });

const seed = z
  .string()
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === '') return '1';
    if (!/^\d{1,20}$/.test(v) || BigInt(v) > U64_MAX) {
      ctx.addIssue({ code: 'custom', message: `must be a decimal integer from 0 to 2^64-1, got ${JSON.stringify(v.slice(0, 40))}` });
      return z.NEVER;
    }
    return BigInt(v).toString();
  });

export const PARAM_SCHEMAS = {
  minhash: z.object({ numPerm: boundedInt(1, 1024, 128), shingle: boundedInt(1, 256, 5), seed }),
  embed: z.object({ dim: boundedInt(8, 4096, 256), seed }),
  attention: z.object({ dim: boundedInt(8, 4096, 64), seed }),
} as const;

export type MinhashOpParams = z.output<(typeof PARAM_SCHEMAS)['minhash']>;
export type EmbedOpParams = z.output<(typeof PARAM_SCHEMAS)['embed']>;
export type AttentionOpParams = z.output<(typeof PARAM_SCHEMAS)['attention']>;

/** An op with every parameter filled in; seeds stay decimal strings so the value is JSON- and clone-safe. */
export type OpSpec =
  | { op: 'minhash'; params: MinhashOpParams }
  | { op: 'embed'; params: EmbedOpParams }
  | { op: 'attention'; params: AttentionOpParams };

export const RESULT_KIND: Record<OpName, 'signature' | 'vector'> = {
  minhash: 'signature',
  embed: 'vector',
  attention: 'vector',
};

/** The length of an op's result. */
export function resultLength(spec: OpSpec): number {
  return spec.op === 'minhash' ? spec.params.numPerm : spec.params.dim;
}

/** A stable key of (op, params): jobs are only batched with jobs of the same key. */
export function opKey(spec: OpSpec): string {
  const p = spec.params as Record<string, unknown>;
  return `${spec.op}(${Object.keys(p).sort().map((k) => `${k}=${String(p[k])}`).join(',')})`;
}

/** Params back into their wire shape. */
export function toOpParams(spec: OpSpec): OpParams__Output {
  switch (spec.op) {
    case 'minhash':
      return { op: 'minhash', minhash: { numPerm: String(spec.params.numPerm), shingle: String(spec.params.shingle), seed: spec.params.seed } };
    case 'embed':
      return { op: 'embed', embed: { dim: String(spec.params.dim), seed: spec.params.seed } };
    case 'attention':
      return { op: 'attention', attention: { dim: String(spec.params.dim), seed: spec.params.seed } };
  }
}

export class ParamError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'ParamError';
  }
}

/**
 * Checks an op name and its wire params and fills in defaults.
 * Throws ParamError naming the field (prefixed with `path`) on the first problem.
 */
export function resolveOp(op: string, params: OpParams__Output | null | undefined, path = ''): OpSpec {
  if (!op) throw new ParamError(`${path}op`, 'is required (one of minhash, embed, attention)');
  if (!isOpName(op)) throw new ParamError(`${path}op`, `unknown op ${JSON.stringify(op.slice(0, 64))} (known: ${OP_NAMES.join(', ')})`);
  // Decoded messages name the set field in `op`; objects built by callers may only hold the field.
  const given = params?.op ?? OP_NAMES.find((name) => (params as Record<string, unknown> | null | undefined)?.[name]);
  if (given && given !== op) throw new ParamError(`${path}params`, `${given} params given for op ${op}`);
  const raw = (given ? (params as unknown as Record<string, unknown>)[given] : undefined) ?? {};
  const parsed = PARAM_SCHEMAS[op].safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ParamError(`${path}params.${op}.${issue.path.join('.')}`, issue.message);
  }
  return { op, params: parsed.data } as OpSpec;
}
