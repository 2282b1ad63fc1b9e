// Original file: proto/nightshift/v1/params.proto

import type { MinhashParams as _nightshift_v1_MinhashParams, MinhashParams__Output as _nightshift_v1_MinhashParams__Output } from '../../nightshift/v1/MinhashParams.js';
import type { EmbedParams as _nightshift_v1_EmbedParams, EmbedParams__Output as _nightshift_v1_EmbedParams__Output } from '../../nightshift/v1/EmbedParams.js';
import type { AttentionParams as _nightshift_v1_AttentionParams, AttentionParams__Output as _nightshift_v1_AttentionParams__Output } from '../../nightshift/v1/AttentionParams.js';

/**
 * The params of one op; which one is set must match the job's op.
 */
export interface OpParams {
  'minhash'?: (_nightshift_v1_MinhashParams | null);
  'embed'?: (_nightshift_v1_EmbedParams | null);
  'attention'?: (_nightshift_v1_AttentionParams | null);
  'op'?: "minhash"|"embed"|"attention";
}

/**
 * The params of one op; which one is set must match the job's op.
 */
export interface OpParams__Output {
  'minhash'?: (_nightshift_v1_MinhashParams__Output | null);
  'embed'?: (_nightshift_v1_EmbedParams__Output | null);
  'attention'?: (_nightshift_v1_AttentionParams__Output | null);
  'op'?: "minhash"|"embed"|"attention";
}
