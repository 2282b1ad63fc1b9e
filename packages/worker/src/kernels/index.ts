// The worker's pure-TypeScript kernel backend.

import type { AttentionParams } from './attention.js';
import type { EmbedParams } from './embed.js';
import type { MinhashParams } from './minhash.js';

export { attention } from './attention.js';
export { embed } from './embed.js';
export { minhash } from './minhash.js';
export type { AttentionParams, EmbedParams, MinhashParams };

export interface KernelParams {
  minhash: MinhashParams;
  embed: EmbedParams;
  attention: AttentionParams;
}

/** DESIGN.md defaults; frozen so no caller can change them for everyone. */
export const DEFAULT_PARAMS: Readonly<{ [K in keyof KernelParams]: Readonly<KernelParams[K]> }> = Object.freeze({
  minhash: Object.freeze({ numPerm: 128, shingle: 5, seed: 1n }),
  embed: Object.freeze({ dim: 256, seed: 1n }),
  attention: Object.freeze({ dim: 64, seed: 1n }),
});
export { runOp } from './run-op.js';
export { TOLERANCE, maxDifference, agrees } from './agreement.js';
