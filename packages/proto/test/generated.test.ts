import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

test('the committed types are exactly what the .proto files generate', () => {
  const out = mkdtempSync(join(tmpdir(), 'ns-proto-'));
  try {
    execFileSync('bash', ['scripts/generate.sh', out], { cwd: pkg });
    const committed = join(pkg, 'src/generated');
    const want = files(out).map((f) => relative(out, f)).sort();
    assert.deepEqual(files(committed).map((f) => relative(committed, f)).sort(), want);
    for (const f of want) {
      assert.equal(readFileSync(join(committed, f), 'utf8'), readFileSync(join(out, f), 'utf8'), `${f} is stale: run pnpm --filter @nightshift/proto generate`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});
