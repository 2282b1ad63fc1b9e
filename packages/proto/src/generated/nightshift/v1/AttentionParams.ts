// Original file: proto/nightshift/v1/params.proto

import type { Long } from '@grpc/proto-loader';

export interface AttentionParams {
  /**
   * Head dimension. Default 64.
   */
  'dim'?: (number | string | Long);
  /**
   * Seed of the token vectors and weights, 0 … 2^64−1, as a decimal string. Default "1".
   */
  'seed'?: (string);
  '_dim'?: "dim";
  '_seed'?: "seed";
}

export interface AttentionParams__Output {
  /**
   * Head dimension. Default 64.
   */
  'dim'?: (string);
  /**
   * Seed of the token vectors and weights, 0 … 2^64−1, as a decimal string. Default "1".
   */
  'seed'?: (string);
  '_dim'?: "dim";
  '_seed'?: "seed";
}
