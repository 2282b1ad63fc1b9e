// Writes samples/corpus.jsonl, the bundled sample corpus for the local demo.
//
//   cd packages/scheduler && node --import tsx scripts/make-sample-corpus.ts
//
// The output is fully determined by SEED: no clock, no Math.random, no
// network. Documents are recombined from the original paragraphs in
// sample-paragraphs.ts with light variation, their lengths follow a
// log-normal-like spread (many short and medium documents, a few very long
// ones), and about 10% of them are planted near-duplicates of another
// document so that a near-duplicate detector has something to find. Which
// documents were planted is printed to stdout, never written into the corpus.
// Documents that come out similar by accident are regenerated, so the planted
// pairs are the only near-duplicates (the summary line reports the measured
// similarities).

import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { PARAGRAPHS_PER_TOPIC, SAMPLE_PARAGRAPHS, SAMPLE_TOPICS } from './sample-paragraphs.js';
import { seededRandom } from '@nightshift/proto';

const SEED = 20_261_123;
const TOTAL_DOCUMENTS = 300;
const NEAR_DUPLICATES = 30; // ~10% of the corpus
// Target sizes of the few very long documents: 40k-60k characters, about 10k-15k BPE tokens.
const LONG_DOCUMENT_CHARS = [43_000, 51_000, 58_000];
const ONE_SENTENCE_DOCUMENTS = 6;
const MEDIAN_CHARS = 1_500;
const LENGTH_SIGMA = 1.0; // of ln(length); gives roughly 300 to 7,800 characters for the middle 90%
const MIN_CHARS = 200;
const MAX_REGULAR_CHARS = 30_000;
// Too short a source would make even a one-sentence edit a large change.
const MIN_NEAR_DUPLICATE_SOURCE_CHARS = 1_000;

const OUTPUT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'samples', 'corpus.jsonl');

// ---------------------------------------------------------------------------
// Seeded randomness (mulberry32): small, fast and identical on every platform.

type Rng = () => number;

const mulberry32 = (seed: number): Rng => seededRandom(seed);

const rng = mulberry32(SEED);

function randInt(lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo + 1));
}

function chance(p: number): boolean {
  return rng() < p;
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(rng() * items.length)];
  if (item === undefined) throw new Error('pick() from an empty list');
  return item;
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randInt(0, i);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Standard normal sample (Box-Muller). */
function gaussian(): number {
  const u = 1 - rng(); // (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

// ---------------------------------------------------------------------------
// Source material.

function splitSentences(paragraph: string): string[] {
  return paragraph.split(/(?<=[.!?])\s+(?=[A-Z])/);
}

/** Sentences of each source paragraph, grouped by topic. */
const topics: string[][][] = SAMPLE_TOPICS.map((_, t) =>
  SAMPLE_PARAGRAPHS.slice(t * PARAGRAPHS_PER_TOPIC, (t + 1) * PARAGRAPHS_PER_TOPIC).map(splitSentences),
);
const allSentences: string[] = topics.flat(2);

// Sentences that lean on the one before them ("They...", "Then...", "The
// storm...") only make sense in place: they are never moved elsewhere, and
// the sentence before them is never dropped.
const LEANING_OPENINGS =
  /^(They|Their|Them|Then|It|Its|Those|These|This|That|Yet|Otherwise|Only then|Within|By (nine|ten|the|breakfast)|Most of|Some of|Many of|A few have|Each (one|version|coat)|In (those|the morning)|Further|Today|Twice|Cutting either|Rushing this|If it|Timeouts|The (change|moons|storm|dough|summary|records|descent|frames|fleet|debate|chunks|older|first|whole|trade-off|system))\b/;

const EARLY_PRONOUN = /\b(they|them|their|it|its)\b/i;

function standsAlone(sentence: string): boolean {
  const opening = sentence.split(' ').slice(0, 6).join(' ');
  return !LEANING_OPENINGS.test(sentence) && !EARLY_PRONOUN.test(opening);
}

const standaloneSentences: string[] = allSentences.filter(standsAlone);

// Interchangeable words; each occurrence is swapped with some probability so
// that documents built from the same paragraph still differ in wording.
const SUBSTITUTIONS: Readonly<Record<string, readonly string[]>> = {
  usually: ['often', 'generally', 'typically'],
  often: ['usually', 'frequently'],
  quickly: ['rapidly', 'swiftly'],
  slowly: ['gradually'],
  large: ['big'],
  big: ['large'],
  simple: ['basic', 'plain'],
  important: ['valuable'],
  begins: ['starts'],
  starts: ['begins'],
  almost: ['nearly'],
  nearly: ['almost'],
  perhaps: ['maybe'],
  several: ['a few'],
  difficult: ['hard', 'tricky'],
  quiet: ['calm'],
  watch: ['observe'],
  rarely: ['seldom'],
  sometimes: ['occasionally'],
  occasionally: ['sometimes'],
  surprising: ['remarkable'],
  useful: ['helpful'],
  afternoon: ['evening'],
  small: ['little'],
};
const SUBSTITUTION_PATTERN = new RegExp(`\\b(${Object.keys(SUBSTITUTIONS).join('|')})\\b`, 'gi');

function matchCase(original: string, replacement: string): string {
  const first = original[0];
  return first !== undefined && first === first.toUpperCase()
    ? replacement[0]?.toUpperCase() + replacement.slice(1)
    : replacement;
}

function substitute(word: string): string {
  const options = SUBSTITUTIONS[word.toLowerCase()];
  return options ? matchCase(word, pick(options)) : word;
}

/** Nudges a number so that repeated passages do not repeat their figures. */
function nudgeNumber(n: number): number {
  if (n <= 1) return n; // keeps "1 item" grammatical
  if (n <= 12) return Math.max(2, n + randInt(-2, 2));
  const factor = 0.6 + rng() * 0.9;
  const step = n >= 1000 ? 100 : n >= 100 ? 10 : 1; // keep figures round-looking
  return Math.max(step, Math.round((n * factor) / step) * step);
}

/** Light rewording: some synonyms and some changed numbers. */
function vary(sentence: string, wordRate = 0.3, numberRate = 0.5): string {
  return sentence
    .replace(SUBSTITUTION_PATTERN, (word) => (chance(wordRate) ? substitute(word) : word))
    .replace(/\b\d+\b/g, (digits) => (chance(numberRate) ? String(nudgeNumber(Number(digits))) : digits));
}

// ---------------------------------------------------------------------------
// Documents. A document is a list of blocks (paragraphs, or a heading line)
// so that the near-duplicate editor can work on sentences later.

type Block = { heading: string } | { sentences: string[] };

function render(blocks: readonly Block[]): string {
  return blocks.map((b) => ('heading' in b ? b.heading : b.sentences.join(' '))).join('\n\n');
}

/**
 * A variant of source paragraph `index` of `topic`: most of its sentences, in
 * their order, mixed with one or two sentences from the topic's other
 * paragraphs. With only a few dozen source paragraphs, this mixing is what
 * keeps unrelated documents from looking like near-duplicates of each other.
 */
function makeParagraph(topic: number, index: number, used: Set<string>): string[] {
  const group = topics[topic] ?? [];
  const source = group[index] ?? [];
  const droppable = (i: number): boolean => i + 1 >= source.length || standsAlone(source[i + 1] ?? '');
  // The opening sentence usually introduces the subject, so it is dropped less often.
  const candidates = shuffle([...source.keys()].filter((i) => droppable(i) && (i > 0 || chance(0.3))));
  const dropped = new Set(candidates.slice(0, randInt(1, Math.min(3, source.length - 2))));
  // A sentence the document already used elsewhere is left out here, with any that lean on it.
  for (let i = 0; i < source.length; i++) {
    if (!used.has(source[i] ?? '')) continue;
    dropped.add(i);
    while (i + 1 < source.length && !standsAlone(source[i + 1] ?? '')) dropped.add(++i);
  }
  const sentences = source.filter((_, i) => !dropped.has(i));
  if (sentences.length === 0) return [];

  const siblings = group.flat().filter((s) => standsAlone(s) && !used.has(s) && !sentences.includes(s));
  for (let extra = randInt(1, 2); extra > 0 && siblings.length > 0; extra--) {
    const sibling = siblings.splice(randInt(0, siblings.length - 1), 1)[0] as string;
    // Never between a sentence and one that leans on it.
    const slots = [...sentences.keys(), sentences.length].filter(
      (j) => j > 0 && (j === sentences.length || standsAlone(sentences[j] ?? '')),
    );
    sentences.splice(pick(slots), 0, sibling);
  }
  // Sometimes swap two neighbours, when neither depends on what precedes it.
  const i = randInt(1, Math.max(1, sentences.length - 2));
  const [a, b] = [sentences[i], sentences[i + 1]];
  if (a !== undefined && b !== undefined && standsAlone(a) && standsAlone(b) && chance(0.3)) {
    [sentences[i], sentences[i + 1]] = [b, a];
  }
  for (const s of sentences) used.add(s);
  return sentences.map((s) => vary(s));
}

/** The longest run of consecutive sentences, from a random start, that fits in `room` characters (at least one). */
function fitSentences(sentences: readonly string[], room: number): string[] {
  const starts = [...sentences.keys()].filter((i) => standsAlone(sentences[i] ?? ''));
  const start = starts.length > 0 ? pick(starts) : 0;
  let end = start + 1;
  let chars = sentences[start]?.length ?? 0;
  while (end < sentences.length && chars + 1 + (sentences[end]?.length ?? 0) <= room) {
    chars += 1 + (sentences[end]?.length ?? 0);
    end++;
  }
  return sentences.slice(start, end);
}

function titleCase(text: string): string {
  return text[0]?.toUpperCase() + text.slice(1);
}

/**
 * A document of roughly `targetChars` characters. It moves through the topics
 * in a random order and uses each source paragraph of a topic at most once
 * per visit, so a document does not repeat itself until it has used up the
 * whole collection (only the very long ones do).
 */
function makeDocument(targetChars: number): Block[] {
  // Long documents read like reports: sections with headings, one topic each.
  const sectioned = targetChars > 8_000;
  const blocks: Block[] = [];
  const visited = new Set<number>();
  let topicOrder: number[] = [];
  let used = new Set<string>(); // source sentences already in this document
  let length = 0;

  while (length < targetChars) {
    if (topicOrder.length === 0) {
      // Every topic has been visited: from here on, repetition is unavoidable.
      topicOrder = shuffle([...SAMPLE_TOPICS.keys()]);
      used = new Set();
    }
    const topic = topicOrder.pop() as number;
    const paragraphs = shuffle([...Array(PARAGRAPHS_PER_TOPIC).keys()]).slice(0, sectioned ? randInt(3, 4) : randInt(2, 3));
    if (sectioned) {
      const name = SAMPLE_TOPICS[topic] ?? '';
      const heading = visited.has(topic) ? `More on ${name}` : titleCase(name);
      blocks.push({ heading });
      length += heading.length + 2;
    }
    visited.add(topic);

    for (const [n, index] of paragraphs.entries()) {
      const sentences = makeParagraph(topic, index, used);
      if (sentences.length === 0) continue;
      const room = targetChars - length;
      const paragraphChars = sentences.join(' ').length;
      if (paragraphChars > room * 1.2) {
        const hasText = blocks.some((b) => 'sentences' in b);
        if (n === 0 && hasText) {
          // Rather end here than open a new topic with a fragment.
          if (sectioned) blocks.pop();
          return blocks;
        }
        // Last paragraph: only as many sentences as fit.
        blocks.push({ sentences: fitSentences(sentences, room) });
        return blocks;
      }
      blocks.push({ sentences });
      length += paragraphChars + 2;
      if (length >= targetChars) break;
    }
  }
  return blocks;
}

function makeOneSentenceDocument(): Block[] {
  // A lone sentence cannot refer to anything, so no pronouns either.
  const short = standaloneSentences.filter((s) => s.length < 110 && !/\b(they|them|their|it|its|this|these|those)\b/i.test(s));
  return [{ sentences: [vary(pick(short))] }];
}

/**
 * An edited copy of `source`: a few words changed, and one sentence dropped
 * or added. Sizes stay close, so the pair stays a near-duplicate.
 */
function editCopy(source: readonly Block[]): Block[] {
  const blocks: Block[] = source.map((b) => ('heading' in b ? { ...b } : { sentences: [...b.sentences] }));
  const paragraphs = blocks.filter((b): b is { sentences: string[] } => 'sentences' in b);

  // A few words: rewrite sentences that contain a swappable word, each with
  // exactly one swap, so the number of changed words stays small.
  const words = render(blocks).split(/\s+/).length;
  let changes = Math.min(6, Math.max(1, Math.round(words / 200)));
  for (let attempt = 0; changes > 0 && attempt < 200; attempt++) {
    const paragraph = pick(paragraphs);
    const i = randInt(0, paragraph.sentences.length - 1);
    const sentence = paragraph.sentences[i] ?? '';
    const matches = [...sentence.matchAll(SUBSTITUTION_PATTERN)];
    if (matches.length === 0) continue;
    const match = pick(matches);
    const at = match.index ?? 0;
    const word = match[0];
    paragraph.sentences[i] = sentence.slice(0, at) + substitute(word) + sentence.slice(at + word.length);
    changes--;
  }

  // One sentence dropped or added.
  const paragraph = pick(paragraphs);
  const droppable = [...paragraph.sentences.keys()].filter(
    (i) => i + 1 >= paragraph.sentences.length || standsAlone(paragraph.sentences[i + 1] ?? ''),
  );
  if (paragraph.sentences.length > 1 && droppable.length > 0 && chance(0.5)) {
    paragraph.sentences.splice(pick(droppable), 1);
  } else {
    const slots = [...paragraph.sentences.keys(), paragraph.sentences.length].filter(
      (j) => j === paragraph.sentences.length || standsAlone(paragraph.sentences[j] ?? ''),
    );
    paragraph.sentences.splice(pick(slots), 0, vary(pick(standaloneSentences)));
  }
  return blocks;
}

// ---------------------------------------------------------------------------

// Similarity as a near-duplicate detector would see it: Jaccard similarity of
// the sets of 5-word shingles. Used to keep the planted pairs the only ones.

const SHINGLE_WORDS = 5;
const MAX_UNPLANTED_SIMILARITY = 0.5;
const MIN_PLANTED_SIMILARITY = 0.8;

function shingles(text: string): Set<string> {
  const words = text.toLowerCase().match(/[a-z0-9']+/g) ?? [];
  const set = new Set<string>();
  for (let i = 0; i + SHINGLE_WORDS <= Math.max(words.length, SHINGLE_WORDS); i++) {
    set.add(words.slice(i, i + SHINGLE_WORDS).join(' '));
  }
  return set;
}

function jaccard(a: ReadonlySet<string>, b: ReadonlySet<string>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  let shared = 0;
  for (const s of small) if (large.has(s)) shared++;
  return shared / (a.size + b.size - shared);
}

interface Draft {
  blocks: Block[];
  shingles: Set<string>;
  copyOf?: Draft;
  id?: string;
}

function draft(blocks: Block[]): Draft {
  return { blocks, shingles: shingles(render(blocks)) };
}

/** Adds the document unless it happens to be a near-duplicate of one already kept. */
function keepIfDistinct(kept: Draft[], blocks: Block[]): void {
  const candidate = draft(blocks);
  if (kept.every((d) => jaccard(d.shingles, candidate.shingles) <= MAX_UNPLANTED_SIMILARITY)) kept.push(candidate);
}

const originals: Draft[] = [];
for (const chars of LONG_DOCUMENT_CHARS) keepIfDistinct(originals, makeDocument(chars));
while (originals.length < LONG_DOCUMENT_CHARS.length + ONE_SENTENCE_DOCUMENTS) {
  keepIfDistinct(originals, makeOneSentenceDocument());
}
while (originals.length < TOTAL_DOCUMENTS - NEAR_DUPLICATES) {
  const chars = Math.round(MEDIAN_CHARS * Math.exp(LENGTH_SIGMA * gaussian()));
  keepIfDistinct(originals, makeDocument(Math.min(MAX_REGULAR_CHARS, Math.max(MIN_CHARS, chars))));
}

// Each source is copied once, so every planted pair is unambiguous. An edit
// that happens to change too much (say, a long sentence dropped from a short
// document) is redone.
const sources = shuffle(
  originals.filter((d) => render(d.blocks).length >= MIN_NEAR_DUPLICATE_SOURCE_CHARS),
).slice(0, NEAR_DUPLICATES);
const copies: Draft[] = sources.map((source) => {
  let copy = draft(editCopy(source.blocks));
  for (let retry = 0; retry < 20 && jaccard(copy.shingles, source.shingles) < MIN_PLANTED_SIMILARITY; retry++) {
    copy = draft(editCopy(source.blocks));
  }
  return { ...copy, copyOf: source };
});

// Mix copies among originals so that position gives nothing away.
const documents = shuffle([...originals, ...copies]);
documents.forEach((d, i) => {
  d.id = `doc-${String(i + 1).padStart(4, '0')}`;
});

const lines = documents.map((d) => JSON.stringify({ custom_id: d.id, text: render(d.blocks) }));
mkdirSync(path.dirname(OUTPUT), { recursive: true });
writeFileSync(OUTPUT, lines.join('\n') + '\n');

// Report what a detector should find, measured rather than assumed.
let minPlanted = 1;
let maxOther = 0;
for (const [i, a] of documents.entries()) {
  for (const b of documents.slice(i + 1)) {
    const similarity = jaccard(a.shingles, b.shingles);
    if (a.copyOf === b || b.copyOf === a) minPlanted = Math.min(minPlanted, similarity);
    else maxOther = Math.max(maxOther, similarity);
  }
}

const characters = documents.reduce((sum, d) => sum + render(d.blocks).length, 0);
const pairs = copies
  .map((c) => [c.copyOf?.id ?? '?', c.id ?? '?'] as const)
  .sort(([a], [b]) => a.localeCompare(b));
const relative = path.relative(process.cwd(), OUTPUT);
console.log(
  `${relative}: ${documents.length} documents, ${characters} characters, ${pairs.length} planted near-duplicate pairs ` +
    `(5-word-shingle Jaccard: planted >= ${minPlanted.toFixed(2)}, all other pairs <= ${maxOther.toFixed(2)})`,
);
console.log(`planted pairs (source~copy): ${pairs.map(([s, c]) => `${s}~${c}`).join(' ')}`);
