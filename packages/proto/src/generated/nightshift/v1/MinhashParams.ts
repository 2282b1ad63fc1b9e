// Original file: proto/nightshift/v1/params.proto

import type { Long } from '@grpc/proto-loader';

export interface MinhashParams {
  /**
   * Number of permutations, the signature's length. Default 128.
   */
  'numPerm'?: (number | string | Long);
  /**
   * Tokens per shingle. Default 5.
   */
  'shingle'?: (number | string | Long);
  /**
   * Seed of the permutation stream, 0 … 2^64−1, as a decimal string. Default "1".
   */
  'seed'?: (string);
  '_numPerm'?: "numPerm";
  '_shingle'?: "shingle";
  '_seed'?: "seed";
}

export interface MinhashParams__Output {
  /**
   * Number of permutations, the signature's length. Default 128.
   */
  'numPerm'?: (string);
  /**
   * Tokens per shingle. Default 5.
   */
  'shingle'?: (string);
  /**
   * Seed of the permutation stream, 0 … 2^64−1, as a decimal string. Default "1".
   */
  'seed'?: (string);
  '_numPerm'?: "numPerm";
  '_shingle'?: "shingle";
  '_seed'?: "seed";
}
