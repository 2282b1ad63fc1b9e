/** Sequences as one ragged batch, as the addon takes it: their tokens back to back, and where each begins (n + 1 offsets). */
export function packBatch(seqs: readonly Uint32Array[]): { tokens: Uint32Array; offsets: Uint32Array } {
  const offsets = new Uint32Array(seqs.length + 1);
  seqs.forEach((s, i) => (offsets[i + 1] = offsets[i]! + s.length));
  const tokens = new Uint32Array(offsets[seqs.length]!);
  seqs.forEach((s, i) => tokens.set(s, offsets[i]!));
  return { tokens, offsets };
}
