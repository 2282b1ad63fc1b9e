/** One item of a batch object as it is uploaded: its caller's id and its token ids. */
export interface Item {
  customId: string;
  tokens: Uint32Array;
}
