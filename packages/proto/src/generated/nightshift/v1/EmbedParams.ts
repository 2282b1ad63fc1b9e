// Original file: proto/nightshift/v1/params.proto

import type { Long } from '@grpc/proto-loader';

export interface EmbedParams {
  /**
   * Vector dimension. Default 256.
   */
  'dim'?: (number | string | Long);
  /**
   * Seed of the token vectors, 0 … 2^64−1, as a decimal string. Default "1".
   */
  'seed'?: (string);
  '_dim'?: "dim";
  '_seed'?: "seed";
}

export interface EmbedParams__Output {
  /**
   * Vector dimension. Default 256.
   */
  'dim'?: (string);
  /**
   * Seed of the token vectors, 0 … 2^64−1, as a decimal string. Default "1".
   */
  'seed'?: (string);
  '_dim'?: "dim";
  '_seed'?: "seed";
}
