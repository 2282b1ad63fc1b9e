#!/usr/bin/env node
// Builds the native kernels: the CUDA part with nvcc when nvcc is found, then
// the addon with node-gyp. Runs on `pnpm install` (the worker's install
// script). When the build fails the worker still runs, on its TypeScript
// kernels, and says so at start; NIGHTSHIFT_NATIVE=required (CI) makes a
// failure fail the install instead, and NIGHTSHIFT_NATIVE=skip skips the build.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const mode = process.env.NIGHTSHIFT_NATIVE ?? 'auto';
// The SM architectures to build for: NIGHTSHIFT_CUDA_ARCHS="90" (a device's own, as
// scripts/gpu-check.sh does) or, by default, the A100's and the H100/H200's.
const ARCHS = (process.env.NIGHTSHIFT_CUDA_ARCHS ?? '80,90').split(',').map((a) => Number(a.trim()));
if (ARCHS.length === 0 || ARCHS.some((a) => !Number.isInteger(a) || a < 50 || a > 200)) {
  process.stderr.write(`native: NIGHTSHIFT_CUDA_ARCHS must list SM architectures such as 90 or 80,90 (got ${process.env.NIGHTSHIFT_CUDA_ARCHS})\n`);
  process.exit(1);
}

function run(cmd, args, opts = {}) {
  process.stderr.write(`native: ${cmd} ${args.join(' ')}\n`);
  const r = spawnSync(cmd, args, { cwd: here, stdio: ['ignore', 'inherit', 'inherit'], ...opts });
  return r.status === 0;
}

function which(cmd) {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

function findCuda() {
  if (process.env.NIGHTSHIFT_NO_CUDA) return null;
  const nvcc = which('nvcc') ?? (process.env.CUDA_HOME && existsSync(join(process.env.CUDA_HOME, 'bin/nvcc')) ? join(process.env.CUDA_HOME, 'bin/nvcc') : null) ?? (existsSync('/usr/local/cuda/bin/nvcc') ? '/usr/local/cuda/bin/nvcc' : null);
  if (!nvcc) return null;
  // /usr/local/bin/nvcc may be a wrapper script: find the toolkit by its headers and static runtime.
  const homes = [process.env.CUDA_HOME, dirname(dirname(realpathSync(nvcc))), '/usr/local/cuda'].filter(Boolean);
  const home = homes.find((h) => existsSync(join(h, 'include/cuda_runtime.h')) && existsSync(join(h, 'lib64/libcudart_static.a')));
  return home ? { nvcc, home } : null;
}

function fail(message) {
  if (mode === 'required') {
    process.stderr.write(`native: ${message}\n`);
    process.exit(1);
  }
  process.stderr.write(`native: WARNING ${message}; the worker will run the TypeScript kernels\n`);
  process.exit(0);
}

if (mode === 'skip') {
  process.stderr.write('native: skipped (NIGHTSHIFT_NATIVE=skip)\n');
  process.exit(0);
}

const cuda = findCuda();
let withCuda = false;
if (cuda) {
  // Outside build/, which node-gyp owns and may clean.
  mkdirSync(join(here, 'build-cuda'), { recursive: true });
  const gencode = ARCHS.flatMap((a) => ['-gencode', `arch=compute_${a},code=sm_${a}`]);
  // PTX of the newest arch too, so that later GPUs can JIT it.
  gencode.push('-gencode', `arch=compute_${ARCHS.at(-1)},code=compute_${ARCHS.at(-1)}`);
  withCuda = run(cuda.nvcc, ['-c', '-std=c++17', '-O3', '-Xcompiler', '-fPIC', ...gencode, '-I', 'src', 'src/cuda/kernels.cu', '-o', 'build-cuda/kernels.o']);
  if (!withCuda) {
    if (mode === 'required') fail('nvcc was found but the CUDA kernels did not compile');
    process.stderr.write('native: WARNING the CUDA kernels did not compile; building the CPU kernels only\n');
  }
} else {
  process.stderr.write('native: nvcc not found; building the CPU kernels only\n');
}

const gyp = require.resolve('node-gyp/bin/node-gyp.js');
// Build against this Node's own headers when it has them (no download).
const nodedir = process.env.npm_config_nodedir || dirname(dirname(process.execPath));
const gypArgs = existsSync(join(nodedir, 'include/node/node_api.h')) ? [`--nodedir=${nodedir}`] : [];
const vars = [`-Dcuda=${withCuda ? 1 : 0}`, ...(withCuda ? [`-Dcuda_home=${cuda.home}`, `-Dcuda_archs=${ARCHS.join(',')}`] : [])];
// configure then build (not rebuild, which drops the gyp variables after --).
if (!run(process.execPath, [gyp, 'configure', '--release', ...gypArgs, '--', ...vars])) fail('node-gyp could not configure the addon');
if (!run(process.execPath, [gyp, 'build', '--release', '--jobs', 'max', ...gypArgs])) fail('the addon did not build');

// Trust the built addon, not the plan: it must load and carry what we meant to build.
let info;
try {
  info = require(join(here, 'build/Release/nightshift_kernels.node')).buildInfo();
} catch (err) {
  fail(`the addon was built but does not load: ${err.message}`);
}
if (info.cuda !== withCuda) fail(`the addon was meant to be built ${withCuda ? 'with' : 'without'} CUDA but reports cuda=${info.cuda}`);
if (withCuda && info.cudaArchs.join(',') !== ARCHS.join(',')) fail(`the addon was meant for sm_${ARCHS.join(', sm_')} but reports ${info.cudaArchs.join(', ')}`);
writeFileSync(
  join(here, 'build/build-info.json'),
  `${JSON.stringify({ cuda: withCuda, nvcc: withCuda ? cuda.nvcc : null, cudaArchs: withCuda ? ARCHS : [], builtAt: new Date().toISOString() }, null, 2)}\n`,
);
process.stderr.write(`native: built ${join(here, 'build/Release/nightshift_kernels.node')}${withCuda ? ` with CUDA (sm_${ARCHS.join(', sm_')})` : ''}\n`);
