#!/usr/bin/env node
// Builds the native tokenizer with node-gyp; runs on `pnpm install` (this
// package's install script). When the build fails, tokenization falls back
// to the TypeScript path (as exact, slower) and says so at first use;
// NIGHTSHIFT_NATIVE=required (CI) makes a failure fail the install instead,
// and NIGHTSHIFT_NATIVE=skip skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const mode = process.env.NIGHTSHIFT_NATIVE ?? 'auto';

function fail(message) {
  process.stderr.write(`tokenizer native: ${mode === 'required' ? '' : 'WARNING '}${message}${mode === 'required' ? '' : '; tokenization will use the TypeScript path'}\n`);
  process.exit(mode === 'required' ? 1 : 0);
}
function run(args) {
  process.stderr.write(`tokenizer native: node-gyp ${args.join(' ')}\n`);
  return spawnSync(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js'), ...args], { cwd: here, stdio: ['ignore', 'inherit', 'inherit'] }).status === 0;
}

if (mode === 'skip') {
  process.stderr.write('tokenizer native: skipped (NIGHTSHIFT_NATIVE=skip)\n');
  process.exit(0);
}
// Build against this Node's own headers when it has them (no download).
const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
const gypArgs = existsSync(join(nodedir, 'include/node/node_api.h')) ? [`--nodedir=${nodedir}`] : [];
if (!run(['configure', '--release', ...gypArgs])) fail('node-gyp could not configure the addon');
if (!run(['build', '--release', '--jobs', 'max', ...gypArgs])) fail('the addon did not build');
try {
  require(join(here, 'build/Release/nightshift_tokenizer.node'));
} catch (err) {
  fail(`the addon was built but does not load: ${err.message}`);
}
process.stderr.write(`tokenizer native: built ${join(here, 'build/Release/nightshift_tokenizer.node')}\n`);
