// A literal transcription of the DESIGN.md kernel spec: BigInt for every
// integer step, float64 Numbers for embed and attention. Slow on purpose;
// the fast kernels are tested against it.

const M64 = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;
const P = (1n << 61n) - 1n;

export function fmix(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & M64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & M64;
  return z ^ (z >> 31n);
}

/** out_i = fmix(seed + (i + 1)·γ). */
export function streamAt(seed: bigint, i: number): bigint {
  return fmix((seed + BigInt(i + 1) * GAMMA) & M64);
}

/** g(seed, t, d) = (fmix(seed ^ (t·2^32 + d)) >> 40) / 2^24 · 2 − 1. */
export function g(seed: bigint, t: number, d: number): number {
  const z = fmix(seed ^ ((BigInt(t) << 32n) + BigInt(d)));
  return (Number(z >> 40n) / 2 ** 24) * 2 - 1;
}

export function fnv1a64(words: number[]): bigint {
  let h = 0xcbf29ce484222325n;
  for (const w of words) {
    for (let k = 0; k < 4; k++) {
      const byte = BigInt((w >>> (8 * k)) & 0xff);
      h = ((h ^ byte) * 0x100000001b3n) & M64;
    }
  }
  return h;
}

export function shingles(tokens: number[], shingle: number): number[][] {
  const n = tokens.length;
  if (n === 0) return [];
  if (n < shingle) return [tokens.slice(0, n)];
  const out: number[][] = [];
  for (let i = 0; i <= n - shingle; i++) out.push(tokens.slice(i, i + shingle));
  return out;
}

export function shingleHash(words: number[]): bigint {
  const H = fnv1a64(words);
  return (H ^ (H >> 32n)) % (1n << 32n);
}

/**
 * minhash signature; `only` restricts the computation to some permutations
 * (the rest are left undefined) so long inputs stay affordable.
 */
export function minhash(
  tokens: number[],
  p: { numPerm: number; shingle: number; seed: bigint },
  only?: number[],
): (number | undefined)[] {
  const sig: (number | undefined)[] = new Array<number | undefined>(p.numPerm).fill(undefined);
  const hs = shingles(tokens, p.shingle).map(shingleHash);
  for (let j = 0; j < p.numPerm; j++) {
    if (only && !only.includes(j)) continue;
    const a = 1n + (streamAt(p.seed, 2 * j) % (P - 1n));
    const b = streamAt(p.seed, 2 * j + 1) % P;
    let m = 0xffffffffn;
    for (const h of hs) {
      const v = ((a * h + b) % P) % (1n << 32n);
      if (v < m) m = v;
    }
    sig[j] = Number(m);
  }
  return sig;
}

export function v(seed: bigint, t: number, dim: number): number[] {
  const out: number[] = [];
  for (let d = 0; d < dim; d++) out.push(g(seed, t, d));
  return out;
}

export function embed(tokens: number[], p: { dim: number; seed: bigint }): number[] {
  const n = tokens.length;
  const e = new Array<number>(p.dim).fill(0);
  if (n === 0) return e;
  for (const t of tokens) {
    const vt = v(p.seed, t, p.dim);
    for (let d = 0; d < p.dim; d++) e[d] = e[d]! + vt[d]! / n;
  }
  const norm = Math.sqrt(e.reduce((s, x) => s + x * x, 0));
  if (norm === 0) return e.map(() => 0);
  return e.map((x) => x / norm);
}

function vecMat(x: number[], W: number[][]): number[] {
  const D = x.length;
  const out = new Array<number>(D).fill(0);
  for (let c = 0; c < D; c++) {
    for (let r = 0; r < D; r++) out[c] = out[c]! + x[r]! * W[r]![c]!;
  }
  return out;
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function attention(tokens: number[], p: { dim: number; seed: bigint }): number[] {
  const D = p.dim;
  const n = tokens.length;
  const result = new Array<number>(D).fill(0);
  if (n === 0) return result;
  const W = (m: number): number[][] => {
    const rows: number[][] = [];
    for (let r = 0; r < D; r++) {
      const row: number[] = [];
      for (let c = 0; c < D; c++) row.push(g(p.seed, 2 ** 32 - 1 - (m * D + r), c) / Math.sqrt(D));
      rows.push(row);
    }
    return rows;
  };
  const W1 = W(1);
  const W2 = W(2);
  const W3 = W(3);
  const x = tokens.map((t) => v(p.seed, t, D));
  const q = x.map((xi) => vecMat(xi, W1));
  const k = x.map((xi) => vecMat(xi, W2));
  const vv = x.map((xi) => vecMat(xi, W3));
  for (let i = 0; i < n; i++) {
    const s: number[] = [];
    for (let j = 0; j <= i; j++) s.push(dot(q[i]!, k[j]!) / Math.sqrt(D));
    // softmax, shifted by the max (the same function, without overflow)
    const mx = Math.max(...s);
    const ex = s.map((x) => Math.exp(x - mx));
    const z = ex.reduce((a, b) => a + b, 0);
    for (let j = 0; j <= i; j++) {
      for (let d = 0; d < D; d++) result[d] = result[d]! + ((ex[j]! / z) * vv[j]![d]!) / n;
    }
  }
  return result;
}
