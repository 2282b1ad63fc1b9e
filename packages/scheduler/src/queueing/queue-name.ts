import type { OpName } from '@nightshift/proto';

/**
 * A queue's name: its op and range of lengths, in braces. The braces are a
 * Redis Cluster hash tag: every key of a queue (BullMQ's and nightshift's
 * pending sets next to them) lands in one slot, so one script can touch
 * them all, while different queues spread over the nodes.
 */
export function queueName(op: OpName, range: string): string {
  return `{${op}.${range}}`;
}

/** The op of a queue, from its name. */
export function opOfQueue(queue: string): string {
  return queue.slice(queue.startsWith('{') ? 1 : 0, queue.indexOf('.'));
}
