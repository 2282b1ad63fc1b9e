import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get_encoding } from 'tiktoken';
import * as nightshift from '../src/index.js';
import * as typescript from '../src/ts/encode.js';
import { bytePairMerge, NO_RANK } from '../src/ts/byte-pair-merge.js';
import { PIECES } from '../src/ts/pieces.js';
import { LEFT_OUT } from '../src/ts/unicode-classes.js';
import { hardTexts } from '../src/texts.js';

// The reference: OpenAI's tiktoken (its Rust code as WASM), a dev dependency used here only.
const tiktoken = get_encoding('o200k_base');
const reference = (s: string): number[] => Array.from(tiktoken.encode_ordinary(s));

// Both paths are held to the reference: the native one (the addon) and the TypeScript fallback.
const paths = [
  ['native', nightshift],
  ['typescript', typescript],
] as const;

test('the native tokenizer is built and in use (NIGHTSHIFT_TOKENIZER=ts chooses the TypeScript path)', () => {
  const want = process.env.NIGHTSHIFT_TOKENIZER === 'ts' ? 'typescript' : 'native';
  assert.equal(nightshift.tokenizerBackend().name, want, nightshift.tokenizerBackend().reason);
});

function assertSameAsTiktoken(texts: readonly string[], what: string): void {
  for (const [path, { encodeOrdinary }] of paths) {
    for (const [i, s] of texts.entries()) {
      const want = reference(s);
      const got = Array.from(encodeOrdinary(s));
      if (want.join() === got.join()) continue;
      let at = 0;
      while (want[at] === got[at]) at++;
      assert.fail(`${path}: ${what} #${i} ${JSON.stringify(s.slice(0, 80))}: from token ${at}, tiktoken ${want.slice(at, at + 5).join()} but ours ${got.slice(at, at + 5).join()}`);
    }
  }
}

test('ids equal to tiktoken on 3,000 generated texts: scripts, code, emoji and ZWJ, whitespace, surrogates, runs, random bytes and code points', () => {
  assertSameAsTiktoken(hardTexts(3000, 20261204), 'text');
});

test("the cases known to differ in other tokenizers: U+FEFF, U+0085, special tokens, 'ſ, lone surrogates", () => {
  const cases = ['a\uFEFFb  \uFEFFc', '\uFEFFfile start', 'x\u0085y  \u0085 z\u0085', '<|endoftext|> and <|endofprompt|>', "He'ſ here, WE'LL go, it'S", '\uD800abc\uDC00 \uDBFF', 'a\u2028b\u2029 \u3000c'];
  assertSameAsTiktoken(cases, 'case');
  // The example of the issue, spelled out.
  for (const [, { encodeOrdinary }] of paths) {
    assert.deepEqual(Array.from(encodeOrdinary('a\uFEFFb  \uFEFFc')), [64, 5574, 65, 220, 71280, 66]);
    assert.deepEqual(Array.from(encodeOrdinary('<|endoftext|>')), [27, 91, 419, 1440, 919, 91, 29]);
  }
});

test('every piece of a text is matched by the TypeScript pattern: the pieces put together are the text', () => {
  for (const s of hardTexts(500, 99)) {
    const joined = [...s.matchAll(PIECES)].map((m) => m[0]).join('');
    assert.equal(joined, s);
  }
});

test('code points tiktoken does not know yet (assigned in a newer Unicode than its tables) split as tiktoken splits them', () => {
  assert.ok(LEFT_OUT.length > 0, 'the generated tables list what they leave out');
  // The TypeScript path reads letters from this Node's ICU: one older than tiktoken's tables (Unicode 16) would miss some.
  assert.ok(Number.parseFloat(process.versions.unicode ?? '0') >= 16, `Node's Unicode ${process.versions.unicode} is older than tiktoken's`);
  const probe = (c: string): string => `a${c}A${c}1${c} ${c}\n${c}${c}'s ${c}x `;
  const texts: string[] = [];
  for (const [a, b] of LEFT_OUT) for (let cp = a; cp <= b; cp++) texts.push(probe(String.fromCodePoint(cp)));
  // Together, a few hundred a text: the same check, in far fewer calls.
  for (let i = 0; i < texts.length; i += 256) assertSameAsTiktoken([texts.slice(i, i + 256).join('')], 'left-out code points');
  // And a sample of all the others, from a seed.
  let seed = 7;
  const sample: string[] = [];
  for (let i = 0; i < 20_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const cp = seed % 0x110000;
    if (cp < 0xd800 || cp > 0xdfff) sample.push(probe(String.fromCodePoint(cp)));
  }
  for (let i = 0; i < sample.length; i += 256) assertSameAsTiktoken([sample.slice(i, i + 256).join('')], 'sampled code points');
});

test('decode gives the text back', () => {
  // A lone surrogate decodes as U+FFFD, as tiktoken received it: texts without one come back whole.
  for (const s of hardTexts(200, 5)) if (!/[\uD800-\uDFFF]/u.test(s)) assert.equal(nightshift.decode(nightshift.encodeOrdinary(s)), s);
});

test('the heap merge and the scan merge agree on every piece length, near the switch and far past it', () => {
  // A made-up rank table over a three-letter alphabet, so that merges chain in many orders.
  const rand = ((s) => () => (s = (s * 48271) % 2147483647) / 2147483647)(11);
  const ranks = new Map<string, number>();
  const rankOf = (bytes: Uint8Array) => (a: number, b: number): number => ranks.get(Buffer.from(bytes.subarray(a, b)).toString('latin1')) ?? NO_RANK;
  for (let len = 2; len <= 6; len++) for (let k = 0; k < 40; k++) ranks.set(Array.from({ length: len }, () => 'abc'[Math.floor(rand() * 3)]).join(''), Math.floor(rand() * 1000));
  for (const n of [2, 3, 10, 63, 64, 65, 66, 200, 1000]) {
    for (let k = 0; k < 20; k++) {
      const bytes = Buffer.from(Array.from({ length: n }, () => 'abc'[Math.floor(rand() * 3)]).join(''), 'latin1');
      // The reference: tiktoken's scan, on the whole piece whatever its length.
      const want = scanReference(bytes, rankOf(bytes));
      assert.deepEqual(Array.from(bytePairMerge(bytes, rankOf(bytes))), want, `length ${n}`);
    }
  }
});

test('hostile text costs O(n log n): 1 MB of one character, and 1 MB of random base64, each within seconds, not minutes', () => {
  let seed = 3;
  const b64 = Buffer.from(Array.from({ length: 786_432 }, () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) & 255)).toString('base64');
  for (const [path, { encodeOrdinary }] of paths) {
    for (const [what, text] of [['one character', 'a'.repeat(1 << 20)], ['base64', b64], ['one CJK character', '日'.repeat(350_000)]] as const) {
      const started = process.hrtime.bigint();
      const tokens = encodeOrdinary(text);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      assert.ok(tokens.length > 0);
      // A bound on work, not a speed figure: the quadratic merge took 25 s for 200,000 characters (some
      // 10 minutes for these); either path takes well under a second here, 5 s leaves room for a loaded machine.
      assert.ok(ms < 5000, `${path}, ${what}: ${ms.toFixed(0)} ms`);
    }
    assert.deepEqual(Array.from(encodeOrdinary('a'.repeat(50_000))), reference('a'.repeat(50_000)));
  }
});

test('counting up to a limit stops within a piece of it', () => {
  for (const [path, { encodeOrdinary, encodeOrdinaryUpTo }] of paths) {
    const text = 'word '.repeat(10_000);
    const whole = encodeOrdinary(text);
    const over = encodeOrdinaryUpTo(text, 100);
    assert.ok(!(over instanceof Uint32Array), path);
    assert.ok(over.counted > 100 && over.counted <= 101, `${path}: counted ${over.counted}`);
    assert.deepEqual(encodeOrdinaryUpTo(text, whole.length), whole);
  }
});

test('bulk encoding gives each text its own tokens, in order', () => {
  const texts = hardTexts(300, 17);
  const many = nightshift.encodeMany(texts);
  assert.equal(many.length, texts.length);
  for (const [i, s] of texts.entries()) assert.deepEqual(Array.from(many[i]!), reference(s));
});

test('the native tokenizer refuses what is not a string with an error, and the process goes on', () => {
  assert.throws(() => nightshift.encodeOrdinary(42 as unknown as string), /a string is needed|string/);
  assert.deepEqual(Array.from(nightshift.encodeOrdinary('still here')), reference('still here'));
});

/** tiktoken's `_byte_pair_merge`, as written there: the reference the fast merges are held to. */
function scanReference(bytes: Uint8Array, rankOf: (a: number, b: number) => number): number[] {
  const parts = Array.from({ length: bytes.length + 1 }, (_, i) => i);
  for (;;) {
    let min = NO_RANK;
    let at = -1;
    for (let i = 0; i + 2 < parts.length; i++) {
      const r = rankOf(parts[i]!, parts[i + 2]!);
      if (r < min) {
        min = r;
        at = i;
      }
    }
    if (at < 0) return parts;
    parts.splice(at + 1, 1);
  }
}

test('long texts of several owners take the threads in turn: a second owner waits for one text of the first, not for its backlog', async () => {
  const pool = new nightshift.Tokenizer({ threads: 1, perOwner: 8 });
  try {
    const long = 'a'.repeat(300_000);
    const finished: string[] = [];
    const first = Array.from({ length: 6 }, (_, i) => pool.encode(long, 1e9, { owner: 'busy' }).then(() => finished.push(`busy-${i}`)));
    const second = pool.encode(`${long} b`, 1e9, { owner: 'other' }).then(() => finished.push('other'));
    await Promise.all([...first, second]);
    // busy-0 was running when other arrived; busy-1 was next in the ring, then other's turn.
    assert.ok(finished.indexOf('other') <= 2, finished.join(' '));
    // Past perOwner waiting texts, the owner is refused, not queued.
    const flood = Array.from({ length: 12 }, () => pool.encode(long, 1e9, { owner: 'busy' }).then(() => 'ok', (err: unknown) => (err instanceof nightshift.TokenizerBusy ? 'busy' : String(err))));
    const outcomes = await Promise.all(flood);
    assert.ok(outcomes.includes('busy') && outcomes.includes('ok'), outcomes.join(' '));
  } finally {
    await pool.close();
  }
});
