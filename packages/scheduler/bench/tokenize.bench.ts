// pnpm bench:tokenize — nightshift's o200k_base tokenizer beside gpt-tokenizer and tiktoken (OpenAI's
// Rust as WASM), in one run: tokens a second on one core, on the bundled corpus and on a generated
// multilingual one; nightshift's on every core; and the time for one long run of one character,
// the text that makes a quadratic merge take hours.
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { encode } from 'gpt-tokenizer/encoding/o200k_base';
import { get_encoding } from 'tiktoken';
import { Tokenizer } from '@nightshift/tokenizer';
import { encodeOrdinary, INLINE_CHARS, tokenizerBackend } from '@nightshift/tokenizer';
import { encodeOrdinary as encodeTypeScript } from '@nightshift/tokenizer/typescript';
import { hardTexts } from '@nightshift/tokenizer/texts';
import { table } from './table.js';

const say = (s = '') => process.stdout.write(`${s}\n`);
const corpus = readFileSync(new URL('../samples/corpus.jsonl', import.meta.url), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { text: string }).text);
// Prose in five scripts with code and emoji mixed in: the generator the exactness tests use, without its hostile kinds.
const multilingual = hardTexts(9000, 1).filter((_, i) => [0, 1, 2, 8].includes(i % 9));
const tiktoken = get_encoding('o200k_base');
const ORDINARY = { disallowedSpecial: new Set<string>() };
if (tokenizerBackend().name !== 'native') throw new Error(`the native tokenizer is not in use: ${tokenizerBackend().reason}`);
const tokenizers: Array<[string, (s: string) => number]> = [
  ['nightshift (native)', (s) => encodeOrdinary(s).length],
  ['nightshift (TypeScript fallback)', (s) => encodeTypeScript(s).length],
  ['gpt-tokenizer 3.4', (s) => encode(s, ORDINARY).length],
  ['tiktoken 1.0 (WASM)', (s) => tiktoken.encode_ordinary(s).length],
];
const seconds = Number(process.env.BENCH_SECONDS ?? 3);

/** Tokens a second over `texts`, repeated for about `seconds` after one warm-up pass. */
function rate(f: (s: string) => number, texts: string[]): number {
  for (const s of texts) f(s);
  let tokens = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000) for (const s of texts) tokens += f(s);
  return tokens / ((performance.now() - started) / 1000);
}

function timed(f: () => unknown): number {
  const started = performance.now();
  f();
  return performance.now() - started;
}

const corpusTokens = corpus.reduce((a, s) => a + encodeOrdinary(s).length, 0);
const multiTokens = multilingual.reduce((a, s) => a + encodeOrdinary(s).length, 0);
say(`bench:tokenize — o200k_base; ${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores; Node ${process.version}`);
say(`bundled corpus: ${corpus.length} texts, ${corpusTokens} tokens; multilingual: ${multilingual.length} texts, ${multiTokens} tokens`);
const RUN = 50_000;
const rows: string[][] = [];
let base = { corpus: 0, multi: 0 };
for (const [name, f] of tokenizers) {
  const c = rate(f, corpus);
  const m = rate(f, multilingual);
  if (name.startsWith('gpt-tokenizer')) base = { corpus: c, multi: m };
  rows.push([name, (c / 1e6).toFixed(2), (m / 1e6).toFixed(2), timed(() => f('a'.repeat(RUN))).toFixed(0)]);
}
for (const r of rows) {
  r.splice(2, 0, `${(Number(r[1]) / (base.corpus / 1e6)).toFixed(2)}×`);
  r.splice(4, 0, `${(Number(r[3]) / (base.multi / 1e6)).toFixed(2)}×`);
}
// Every core: the scheduler's own tokenizer threads, as bulk work uses them.
const threads = availableParallelism();
const pool = new Tokenizer(threads);
const chunks = Array.from({ length: threads * 4 }, () => corpus);
await Promise.all(chunks.slice(0, threads).map((c) => pool.encodeMany(c)));
let all = 0;
const started = performance.now();
while (performance.now() - started < seconds * 1000) all += (await Promise.all(chunks.map((c) => pool.encodeMany(c)))).reduce((a, r) => a + r.reduce((b, t) => b + t.length, 0), 0);
const allRate = all / ((performance.now() - started) / 1000);
await pool.close();
rows.push([`nightshift on ${threads} threads`, (allRate / 1e6).toFixed(2), `${(allRate / base.corpus).toFixed(2)}×`, '', '', '']);
say();
say(table(['tokenizer', 'corpus M tokens/s', '÷ gpt-tokenizer', 'multilingual M tokens/s', '÷ gpt-tokenizer', `${RUN / 1000}k × "a" ms`], rows));
say();
const long = 1 << 20;
say(`1 MiB of one character ("a" × ${long}): nightshift native ${timed(() => encodeOrdinary('a'.repeat(long))).toFixed(0)} ms, TypeScript ${timed(() => encodeTypeScript('a'.repeat(long))).toFixed(0)} ms (gpt-tokenizer and tiktoken merge quadratically: see the ${RUN / 1000}k column)`);
// What a text just under the inline limit costs the event loop at worst: long single pieces are the slow case.
let b64seed = 1;
const worst = (n: number): Array<[string, string]> => [
  ['one letter', 'a'.repeat(n - 1)],
  ['one CJK character', '日'.repeat(n - 1)],
  ['base64', Buffer.from(Array.from({ length: n }, () => (b64seed = (b64seed * 1103515245 + 12345) % 2 ** 31) & 255)).toString('base64').slice(0, n - 1)],
  ['prose', corpus.join('\n').slice(0, n - 1)],
];
const inline: string[][] = [];
for (const [path, f, n] of [['native', encodeOrdinary, INLINE_CHARS.native], ['TypeScript', encodeTypeScript, INLINE_CHARS.typescript]] as const) {
  for (const [what, text] of worst(n)) {
    f(text);
    const ms = Array.from({ length: 5 }, () => timed(() => f(text))).sort((a, b) => a - b)[2]!;
    inline.push([`${path}, ${n - 1} chars`, what, ms.toFixed(2)]);
  }
}
say();
say(table(['worst inline text (inline limit − 1)', 'text', 'ms (median of 5)'], inline));
