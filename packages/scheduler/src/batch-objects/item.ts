/** One item of a batch object as it is uploaded: its caller's id and its token ids. */
export interface Item {
  customId: string;
  tokens: Uint32Array;
  /** Why the item is refused before it runs (too long for any worker): it gets this as its own error, and stores no tokens. */
  refused?: string;
}
