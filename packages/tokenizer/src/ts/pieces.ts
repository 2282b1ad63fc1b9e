import { LEFT_OUT } from './unicode-classes.js';

/**
 * o200k_base's pre-tokenizer: the pattern of OpenAI's tiktoken, written for
 * JavaScript's regex engine so that it splits every text exactly as tiktoken's
 * Rust regex does. Three differences of the engines are made good here:
 *
 * - Node's ICU may know a newer Unicode than tiktoken's Rust tables: a code
 *   point assigned since is a letter here and unassigned there. Those code
 *   points (unicode-classes.ts, generated against tiktoken) are taken out of
 *   the letter, mark and number classes (the `v` flag's set difference).
 * - `\s` in JavaScript also matches U+FEFF and not U+0085; Rust's is Unicode's
 *   White_Space. WS below is White_Space, written out.
 * - `(?i:'s|'t|…)` in Rust folds case by Unicode rules, so `'ſ` (U+017F, long s)
 *   is a contraction too; JavaScript before ES2025 has no inline flags.
 *
 * The alternatives, and their order, are tiktoken's; a match is leftmost-first
 * in both engines.
 */
export function piecesPattern(leftOut: ReadonlyArray<readonly [number, number]>): RegExp {
  const esc = (cp: number): string => `\\u{${cp.toString(16)}}`;
  const out = leftOut.map(([a, b]) => (a === b ? esc(a) : `${esc(a)}-${esc(b)}`)).join('');
  const known = (cls: string): string => (out ? `[[${cls}]--[${out}]]` : `[${cls}]`);
  const WS = String.raw`\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000`;
  const L = known(String.raw`\p{L}`);
  const N = known(String.raw`\p{N}`);
  const UPPER = known(String.raw`\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}`);
  const LOWER = known(String.raw`\p{Ll}\p{Lm}\p{Lo}\p{M}`);
  const CONTRACTION = String.raw`(?:'(?:[sS\u017F]|[tT]|[rR][eE]|[vV][eE]|[mM]|[lL][lL]|[dD]))?`;
  const pattern = [
    String.raw`[^\r\n${L}${N}]?${UPPER}*${LOWER}+${CONTRACTION}`,
    String.raw`[^\r\n${L}${N}]?${UPPER}+${LOWER}*${CONTRACTION}`,
    String.raw`${N}{1,3}`,
    String.raw` ?[^${WS}${L}${N}]+[\r\n\/]*`,
    String.raw`[${WS}]*[\r\n]+`,
    String.raw`[${WS}]+(?![^${WS}])`,
    String.raw`[${WS}]+`,
  ].join('|');
  return new RegExp(pattern, 'gv');
}

/** Every piece of a text, in order (a global regex: reset lastIndex before use). */
export const PIECES = piecesPattern(LEFT_OUT);
