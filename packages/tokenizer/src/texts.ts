/**
 * Texts that try a tokenizer's edges, generated from a seed: prose in several
 * scripts, code, emoji and ZWJ sequences, every whitespace code point, unpaired
 * surrogates, long runs, random bytes read as UTF-8 and random code points.
 */
export function hardTexts(count: number, seed: number): string[] {
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
  const kinds = [prose, code, emoji, spaces, surrogates, runs, randomBytes, randomCodePoints, mixed];
  return Array.from({ length: count }, (_, i) => kinds[i % kinds.length]!());

  function words(list: readonly string[], n: number, sep = ' '): string {
    return Array.from({ length: n }, () => pick(list)).join(sep);
  }
  function prose(): string {
    const script = pick(SCRIPTS);
    const out: string[] = [];
    for (let s = int(1, 6); s > 0; s--) out.push(words(script, int(1, 14), script === SCRIPTS[1] ? '' : ' ') + pick(['. ', '! ', '? ', '\n', '\n\n', ', ', '。', '؟ ', '। ']));
    return out.join('');
  }
  function code(): string {
    return Array.from({ length: int(1, 8) }, () => pick(CODE)).join(pick(['\n', '\r\n', '\n\n    ', '\t']));
  }
  function emoji(): string {
    return Array.from({ length: int(1, 12) }, () => pick(EMOJI) + pick(['', ' ', 'a', '\u200D', '\uFE0F', '1'])).join('');
  }
  function spaces(): string {
    return Array.from({ length: int(1, 20) }, () => (rand() < 0.5 ? pick(WHITESPACE).repeat(int(1, 4)) : pick(['a', 'B', '1', '.', "'s", "'LL", "'\u017F", 'x', '\u00E9']))).join('');
  }
  function surrogates(): string {
    return Array.from({ length: int(1, 10) }, () => pick(['\uD800', '\uDBFF', '\uDC00', '\uDFFF', '\uD83D', 'a', ' ', '\uD83D\uDE00', 'é'])).join('');
  }
  function runs(): string {
    return Array.from({ length: int(1, 3) }, () => pick(['a', 'Z', '7', ' ', '\n', '\r\n', '.', '日', '\t', 'ab', '0 '] as const).repeat(int(1, 3000))).join(pick(['', ' ', 'x', '\n']));
  }
  function randomBytes(): string {
    const bytes = new Uint8Array(int(1, 300));
    for (let i = 0; i < bytes.length; i++) bytes[i] = rand() < 0.5 ? int(0x20, 0x7e) : int(0, 255);
    return Buffer.from(bytes).toString('utf8');
  }
  function randomCodePoints(): string {
    // Assigned code points of long standing, from every plane in use, and some unassigned ones.
    let s = '';
    for (let n = int(1, 60); n > 0; n--) {
      const cp = rand() < 0.7 ? int(0x20, 0x2fff) : rand() < 0.5 ? int(0x3000, 0xfffd) : int(0x10000, 0x2ffff);
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      s += String.fromCodePoint(cp);
    }
    return s;
  }
  function mixed(): string {
    return [prose(), code(), emoji(), spaces()].sort(() => rand() - 0.5).join(pick(['', ' ', '\n']));
  }
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCRIPTS = [
  ['The', 'quick', 'brown', 'fox', "don't", "WE'LL", "it's", 'naïve', 'café', 'Straße', 'ÉCOLE', 'McDonald', 'iPhone', 'x86_64', 'e-mail', 'U.S.A.', '3.14159', '1,000,000', '2026-12-04'],
  ['日本語', 'の', 'テキスト', '中文', '漢字', '한국어', '문장', 'カタカナ', 'ひらがな', '東京', '、', '「引用」'],
  ['العربية', 'لغة', 'جميلة', 'مرحبا', 'بالعالم', '١٢٣', 'كِتَابٌ'],
  ['हिन्दी', 'भाषा', 'नमस्ते', 'दुनिया', 'क्षत्रिय', '१२३'],
  ['Русский', 'язык', 'ПРИВЕТ', 'Ελληνικά', 'γλώσσα', 'ΑΘΗΝΑ', 'ภาษาไทย', 'עברית', 'ქართული', 'Հայերեն'],
];
const CODE = [
  'function f(a, b) { return a + b; }', 'const x = arr.map((v) => v * 2);', "if (s === 'abc') {", '}', '  print("hello, world")',
  'for i in range(10):', '#include <stdio.h>', 'SELECT * FROM t WHERE id = 42;', '<div class="a">x</div>', '// comment // with /slashes/',
  'x += 1;', 'a/b/c', '$HOME/.config', '0x7fffffff', 'λx.x', '=> {', '\t\treturn;',
];
const EMOJI = ['😀', '👍🏽', '👩‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷', '❤️', '🧑‍💻', '✋🏿', '🎉', '©', '™', '1️⃣', '👨🏻‍🦰'];
/** Unicode's White_Space, and code points one engine or another counts as space: U+FEFF, U+180E, U+200B. */
const WHITESPACE = ['\t', '\n', '\v', '\f', '\r', ' ', '\u0085', '\u00A0', '\u1680', '\u2000', '\u2005', '\u200A', '\u2028', '\u2029', '\u202F', '\u205F', '\u3000', '\uFEFF', '\u180E', '\u200B', '\r\n'];
