import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

// src/ is the service. Development tools (the demo, Redis launchers, process starters, simulators) live in
// @nightshift/devtools, which depends on the scheduler; the scheduler's tests and benches may use them, its src/ may not.
const pkg = fileURLToPath(new URL('..', import.meta.url));
const src = join(pkg, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : /\.[cm]?[tj]s$/.test(e.name) ? [join(dir, e.name)] : []));
}

/** Every module specifier a file names: static imports and re-exports, import(), require(). */
function specifiers(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1]!);
}

const devtool = (spec: string) => /^@nightshift\/devtools(\/|$)/.test(spec) || /^\.{1,2}\/(.*\/)?(devtools|demo)(\/|$|\.)/.test(spec);

test("the scheduler's src/ imports nothing from the development tools", () => {
  const files = sources(src);
  const seen = new Set<string>();
  const offending: string[] = [];
  for (const file of files) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      seen.add(spec);
      if (devtool(spec)) offending.push(`${relative(pkg, file)}: ${spec}`);
    }
  }
  // The scan reads real imports (else it would pass on anything).
  assert.ok(seen.has('@nightshift/proto') && seen.has('./start-scheduler.js'), 'the scan found the imports it should');
  assert.deepEqual(offending, []);
  for (const dir of ['devtools', 'demo']) assert.equal(existsSync(join(src, dir)), false, `src/${dir} belongs in packages/devtools`);
  const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(manifest.dependencies['@nightshift/devtools'], undefined, 'the service does not depend on the development tools');
});

test('the scan catches each way of importing the development tools', () => {
  const text = [
    "import { startRedisServer } from '@nightshift/devtools';",
    "export { simulateCost } from '../devtools/cost-simulation.js';",
    "const m = await import('../../src/demo/main.js');",
    "import '../demo/report.js';",
    "import { x } from '@nightshift/devtools/extra';",
    "import { y } from './demography.js';",
  ].join('\n');
  assert.deepEqual(specifiers(text).map(devtool), [true, true, true, true, true, false]);
});
