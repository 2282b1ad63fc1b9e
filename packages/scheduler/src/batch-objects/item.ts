/**
 * One item of a batch object as it is uploaded: its caller's id and its token ids, as the bytes
 * they came in (32-bit little-endian words): a view of the received message, never copied before
 * it is written into its unit. (Not a Uint32Array: a protobuf bytes field may sit at any offset.)
 */
export interface Item {
  customId: string;
  bytes: Uint8Array;
  /** Why the item is refused before it runs (too long for any worker): it gets this as its own error, and stores no tokens. */
  refused?: string;
}

/** The item's number of tokens. */
export function tokenCount(it: Item): number {
  return it.bytes.byteLength >>> 2;
}
