import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, posix, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// Import circles make module load order matter and blur which folder is below which (issue 22).
// Every relative import counts, type-only ones included: they tie folders together just the same.

const packages = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCHEDULER = join(packages, 'scheduler', 'src');
const WORKER = join(packages, 'worker', 'src');
const TOKENIZER = join(packages, 'tokenizer', 'src');

/**
 * Scheduler folders that still import each other in a circle, through the api's shared errors and
 * request types (admission, auth, batch-objects and registry import api/) and metrics → dispatch.
 * No other folder may join a circle, and none may be added.
 */
const KNOWN_FOLDER_CIRCLE = new Set(['admission', 'api', 'auth', 'batch-objects', 'dispatch', 'metrics', 'registry']);

type Graph = Map<string, string[]>;

function tsFiles(dir: string, root = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p, root);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [relative(root, p).split('\\').join('/')] : [];
  });
}

/** `import … from './x.js'`, `export … from '../y/index.js'`, `import './z.js'` and `import('./w.js')`. */
const SPECIFIER = /(?:\bfrom\s*|^\s*import\s*|\bimport\s*\(\s*)['"](\.\.?\/[^'"]*)['"]/gm;

/** file → the files it imports, paths relative to `root`. */
function importGraph(root: string): Graph {
  const files = tsFiles(root);
  const known = new Set(files);
  const graph: Graph = new Map();
  for (const file of files) {
    const targets = new Set<string>();
    for (const [, spec] of readFileSync(join(root, file), 'utf8').matchAll(SPECIFIER)) {
      const target = posix.join(posix.dirname(file), spec!).replace(/\.js$/, '.ts');
      // Sources import with NodeNext '.js' specifiers; anything else means this parser missed something.
      assert.ok(known.has(target), `${file}: import '${spec}' does not resolve to a .ts file under ${root}`);
      targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The groups of nodes that reach each other (Tarjan's strongly connected components of two or more). */
function circles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) visit(next);
      if (onStack.has(next)) low.set(node, Math.min(low.get(node)!, low.get(next)!));
    }
    if (low.get(node) !== index.get(node)) return;
    const group: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      group.push(member);
    } while (member !== node);
    if (group.length > 1) found.push(group.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** One shortest circle through the group's first member, for the message: a → … → a. */
function circleThrough(graph: Graph, group: string[]): string[] {
  const start = group[0]!;
  const from = new Map<string, string>();
  const queue = [start];
  for (let i = 0; i < queue.length && !from.has(start); i++) {
    for (const next of graph.get(queue[i]!) ?? []) {
      if (!group.includes(next) || from.has(next)) continue;
      from.set(next, queue[i]!);
      queue.push(next);
    }
  }
  const path = [start];
  for (let n = from.get(start)!; n !== start; n = from.get(n)!) path.unshift(n);
  return [start, ...path];
}

/** Folder → folders it imports from; a file at the top of src/ is its own node. */
function folderGraph(graph: Graph): Graph {
  const folder = (file: string) => file.split('/')[0]!;
  const out = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = out.get(folder(file)) ?? new Set<string>();
    out.set(folder(file), from);
    for (const t of targets) if (folder(t) !== folder(file)) from.add(folder(t));
  }
  return new Map([...out].map(([k, v]) => [k, [...v]]));
}

const show = (graph: Graph, found: string[][]) =>
  found.map((group) => `  ${circleThrough(graph, group).join(' → ')}\n    (all of: ${group.join(', ')})`).join('\n');

test('the circle finder finds planted circles, and passes a graph without one', () => {
  const planted: Graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts', 'd.ts']], ['d.ts', []]]);
  assert.deepEqual(circles(planted), [['a.ts', 'b.ts', 'c.ts']]);
  assert.deepEqual(circleThrough(planted, ['a.ts', 'b.ts', 'c.ts']), ['a.ts', 'b.ts', 'c.ts', 'a.ts']);
  // c is in the circle though a depth-first walk from a reaches it last, by an edge to a node already left.
  const late: Graph = new Map([['a', ['b', 'c']], ['b', ['a']], ['c', ['b']]]);
  assert.deepEqual(circles(late), [['a', 'b', 'c']]);
  assert.deepEqual(circles(new Map([['a.ts', ['b.ts', 'c.ts']], ['b.ts', ['c.ts']], ['c.ts', []]])), []);
  const files: Graph = new Map([['x/a.ts', ['y/b.ts', 'x/c.ts']], ['x/c.ts', []], ['y/b.ts', []], ['main.ts', ['x/a.ts']]]);
  assert.deepEqual(folderGraph(files), new Map([['x', ['y']], ['y', []], ['main.ts', ['x']]]));
});

for (const [name, root] of [['scheduler', SCHEDULER], ['worker', WORKER], ['tokenizer', TOKENIZER]] as const) {
  test(`${name}/src: no file imports itself through others`, () => {
    const graph = importGraph(root);
    // A walk that saw no imports would pass vacuously.
    assert.ok([...graph.values()].flat().length > graph.size / 2, `too few imports found under ${root}`);
    const found = circles(graph);
    assert.equal(found.length, 0, `import circles in ${name}/src:\n${show(graph, found)}`);
  });
}

test('worker/src: its folders import one way', () => {
  const graph = folderGraph(importGraph(WORKER));
  const found = circles(graph);
  assert.equal(found.length, 0, `folder circles in worker/src:\n${show(graph, found)}`);
});

test('scheduler/src: its folders import one way, but for the one known circle', () => {
  const graph = folderGraph(importGraph(SCHEDULER));
  // jobs → pricing → windows → jobs was one (issue 22): the calendar now sits below pricing.
  const unknown = circles(graph).filter((group) => group.some((f) => !KNOWN_FOLDER_CIRCLE.has(f)));
  assert.equal(unknown.length, 0, `folder circles in scheduler/src:\n${show(graph, unknown)}`);
});

// The Kubernetes client weighs some 25 MB of heap and 50 MB of RSS: only a scheduler that watches
// pods may load it, so one file imports it, and every other file reaches that one by type or by a
// dynamic import() alone.
test('scheduler/src: the Kubernetes client loads only where pod discovery is on', () => {
  const files = tsFiles(SCHEDULER);
  const client = files.filter((f) => /from '@kubernetes\/client-node'/.test(readFileSync(join(SCHEDULER, f), 'utf8').replace(/^import type .*$/gm, '')));
  assert.deepEqual(client, ['registry/kubernetes-discovery.ts']);
  const eager = files.filter((f) => {
    const text = readFileSync(join(SCHEDULER, f), 'utf8');
    return /^(import|export) (?!type )[^;]*from '[^']*(kubernetes-discovery|registry\/index)\.js'/m.test(text) && /^(import|export) (?!type )[^;]*\bKubernetesDiscovery\b[^;]*from/m.test(text);
  });
  assert.deepEqual(eager, [], 'a value import of KubernetesDiscovery loads the client at start');
  assert.match(readFileSync(join(SCHEDULER, 'dispatch/dispatcher.ts'), 'utf8'), /await import\('\.\.\/registry\/kubernetes-discovery\.js'\)/);
});
