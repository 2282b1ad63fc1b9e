// Original file: proto/nightshift/v1/registry.proto

import type { Long } from '@grpc/proto-loader';

/**
 * What a worker offers. Its id is its identity everywhere: a Kubernetes pod
 * that registers itself uses its pod name, as discovery does.
 */
export interface WorkerInfo {
  'id'?: (string);
  /**
   * host:port of its WorkerService, as the schedulers dial it.
   */
  'address'?: (string);
  /**
   * A GPU model, or "cpu": what its cost model and prices are kept by.
   */
  'workerClass'?: (string);
  /**
   * "on-demand" or "spot".
   */
  'pool'?: (string);
  /**
   * Ops it runs ("minhash", "embed", "attention").
   */
  'ops'?: (string)[];
  /**
   * The kernel backend, for example "cuda", "cpu-avx512" or "ts".
   */
  'backend'?: (string);
  /**
   * Most padded tokens (jobs × longest sequence) one batch may carry.
   */
  'maxPaddedTokens'?: (number | string | Long);
  /**
   * Batches it takes at once.
   */
  'maxBatchesInFlight'?: (number);
}

/**
 * What a worker offers. Its id is its identity everywhere: a Kubernetes pod
 * that registers itself uses its pod name, as discovery does.
 */
export interface WorkerInfo__Output {
  'id': (string);
  /**
   * host:port of its WorkerService, as the schedulers dial it.
   */
  'address': (string);
  /**
   * A GPU model, or "cpu": what its cost model and prices are kept by.
   */
  'workerClass': (string);
  /**
   * "on-demand" or "spot".
   */
  'pool': (string);
  /**
   * Ops it runs ("minhash", "embed", "attention").
   */
  'ops': (string)[];
  /**
   * The kernel backend, for example "cuda", "cpu-avx512" or "ts".
   */
  'backend': (string);
  /**
   * Most padded tokens (jobs × longest sequence) one batch may carry.
   */
  'maxPaddedTokens': (string);
  /**
   * Batches it takes at once.
   */
  'maxBatchesInFlight': (number);
}
