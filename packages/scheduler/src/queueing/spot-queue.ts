/** The workers a queue's batches go to: on-demand, or spot (whose capacity can be taken back). */
export type Pool = 'on-demand' | 'spot';

/**
 * Work deferred to a spot window waits in a queue of its own, named after
 * the on-demand queue with this suffix, so that only spot workers take its
 * batches and none of it mixes with interactive work.
 */
const SPOT = '@spot';

export function spotQueueOf(queue: string): string {
  return queue.endsWith(SPOT) ? queue : `${queue}${SPOT}`;
}

export function onDemandQueueOf(queue: string): string {
  return queue.endsWith(SPOT) ? queue.slice(0, -SPOT.length) : queue;
}

/** The pool whose workers take a queue's batches. */
export function poolOf(queue: string): Pool {
  return queue.endsWith(SPOT) ? 'spot' : 'on-demand';
}
