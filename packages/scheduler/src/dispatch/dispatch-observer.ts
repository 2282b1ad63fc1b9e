import type { Transition, TransitionResult } from '../jobs/index.js';
import type { PendingEntry } from '../queueing/index.js';

/** A batch back from its worker, as metrics see it. */
export interface BatchRun {
  queue: string;
  op: string;
  workerClass: string;
  jobs: number;
  paddedTokens: number;
  /** Sum of the jobs' lengths. */
  realTokens: number;
  /** What the cost model predicted before it learned from this batch. */
  predictedSeconds: number;
  kernelSeconds: number;
  /** The RunBatch call, from send to reply. */
  rpcSeconds: number;
}

/**
 * What dispatch reports as batches flow (metrics implement it). Each call is
 * made once per batch, so an observer must stay O(jobs) at most.
 */
export interface DispatchObserver {
  /** Record moves this queue's dispatcher made, and which of them took. */
  moved(queue: string, moves: readonly Transition[], results: readonly TransitionResult[]): void;
  /** A batch is sent now: its jobs' entries (when each was queued). */
  sent(queue: string, jobs: ReadonlyArray<{ entry: PendingEntry }>): void;
  ran(batch: BatchRun): void;
  /** The RunBatch call failed; preempted: a spot worker handed the batch back. */
  failed(queue: string, op: string, workerClass: string, preempted: boolean): void;
}

export const NO_OBSERVER: DispatchObserver = { moved() {}, sent() {}, ran() {}, failed() {} };
