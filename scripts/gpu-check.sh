#!/usr/bin/env bash
# bash scripts/gpu-check.sh OUTDIR — proves the CUDA path on a machine with an NVIDIA GPU, in one
# run of a few minutes, build included:
#   1. builds the addon with nvcc for the device's own architecture; prints the device, the driver,
#      the CUDA runtime and the addon's backend() reason;
#   2. every op on the CUDA path against the CPU kernels (packages/worker/bench/gpu-compare.ts);
#   3. bench:kernels, the CUDA path next to the CPU kernels on every core;
#   4. bench:batching for attention with GPU workers: nightshift, plain BullMQ, in-process ceiling,
#      and the same documents as one batch object.
# Writes OUTDIR/report.md, OUTDIR/gpu-check.json and OUTDIR/gpu-check.log. Exit status: 0 all
# passed, 1 a mismatch or a failed step, 3 no usable GPU (said at once, before anything is built).
# Where no package registry can be reached, scripts/gpu-pack.sh packs Node.js, the dependencies
# and redis-server into .gpu-carry/ beforehand. GPU_CHECK_STANDIN=cpu-portable rehearses every
# step on a machine without a GPU, the portable CPU kernels standing in for the device.
set -uo pipefail
OUT=${1:?usage: bash scripts/gpu-check.sh OUTDIR}
mkdir -p "$OUT" && OUT=$(cd "$OUT" && pwd)
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
LOG="$OUT/gpu-check.log"
: >"$LOG"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
STANDIN=${GPU_CHECK_STANDIN:-}
SMI=${GPU_CHECK_SMI:-nvidia-smi}
T0=$(date +%s)
say() { echo "$*" | tee -a "$LOG"; }
step() { say ""; say "== $* ($(($(date +%s) - T0)) s)"; }
# run NAME TIMEOUT CMD…: the command's output to the log and the terminal; its status in $WORK/NAME.status.
run() {
  local name=$1 limit=$2
  shift 2
  timeout --kill-after=10 "$limit" "$@" 2>&1 | tee -a "$LOG" "$WORK/$name.txt"
  local rc=${PIPESTATUS[0]}
  echo "$rc" >"$WORK/$name.status"
  [ "$rc" = 124 ] && say "gpu-check: $name ran past ${limit} s and was stopped"
  return "$rc"
}

# untar ARCHIVE [DIR]: .tar.xz, with Python's tarfile where xz is missing.
untar() {
  if command -v xz >/dev/null 2>&1; then tar -xJf "$1" -C "${2:-.}"; else python3 -c 'import sys, tarfile; tarfile.open(sys.argv[1]).extractall(sys.argv[2])' "$1" "${2:-.}"; fi
}

nogpu() {
  printf '# GPU check: no usable GPU\n\n%s\n\nNothing was built or run.\n' "$1" >"$OUT/report.md"
  printf '{"ok": false, "gpu": false, "reason": %s}\n' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g; s/^/"/; s/$/"/')" >"$OUT/gpu-check.json"
  say "gpu-check: no usable GPU: $1"
  exit 3
}

# 0. Fail fast where there is no GPU.
if [ -z "$STANDIN" ]; then
  command -v "$SMI" >/dev/null 2>&1 || nogpu "nvidia-smi was not found ($SMI): no NVIDIA driver is installed on this machine."
  smi=$("$SMI" -L 2>&1) || nogpu "nvidia-smi failed: $(printf '%s' "$smi" | head -1)"
  grep -q '^GPU ' <<<"$smi" || nogpu "nvidia-smi lists no GPU: $(printf '%s' "$smi" | head -1)"
fi

step "1. toolchain, dependencies and the addon"
if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' 2>/dev/null; then
  [ -f .gpu-carry/node.tar.xz ] || { say "gpu-check: Node.js 20+ is needed (or .gpu-carry/ from scripts/gpu-pack.sh)"; exit 1; }
  mkdir -p "$WORK/node" && untar .gpu-carry/node.tar.xz "$WORK/node" && export PATH="$WORK/node/bin:$PATH"
fi
if [ ! -d node_modules/.pnpm ]; then
  if [ -f .gpu-carry/deps.tar.xz ]; then
    untar .gpu-carry/deps.tar.xz
  else
    NIGHTSHIFT_NATIVE=skip run setup 600 bash scripts/setup.sh || { say "gpu-check: the dependencies did not install"; exit 1; }
  fi
fi
if ! command -v redis-server >/dev/null 2>&1 && [ -f .gpu-carry/redis.tar.xz ]; then
  untar .gpu-carry/redis.tar.xz "$WORK" && export PATH="$WORK/redis:$PATH"
fi
say "node $(node --version); redis-server: $(redis-server --version 2>&1 | head -1 || echo missing)"
addon_from="built here"
if [ -z "$STANDIN" ]; then
  "$SMI" --query-gpu=name,driver_version,memory.total,compute_cap,clocks.max.sm --format=csv 2>&1 | tee -a "$LOG"
  cc=$("$SMI" --query-gpu=compute_cap --format=csv,noheader | head -1 | tr -d ' .')
  (nvcc --version 2>&1 || echo "nvcc: not found") | tail -2 | tee -a "$LOG"
  if ! NIGHTSHIFT_CUDA_ARCHS=$cc NIGHTSHIFT_NATIVE=required run build 240 node packages/worker/native/build.mjs; then
    [ -f .gpu-carry/addon/nightshift_kernels.node ] || { say "gpu-check: the addon did not build for sm_$cc"; exit 1; }
    mkdir -p packages/worker/native/build/Release && cp .gpu-carry/addon/nightshift_kernels.node packages/worker/native/build/Release/
    addon_from="carried (built elsewhere for sm_80, sm_90: the build here failed, see the log)"
  fi
elif [ ! -f packages/worker/native/build/Release/nightshift_kernels.node ]; then
  NIGHTSHIFT_NATIVE=required run build 300 node packages/worker/native/build.mjs || exit 1
fi
say "addon: $addon_from"
(cd packages/worker && node -e '
  const a = require("./native/build/Release/nightshift_kernels.node");
  console.log(JSON.stringify({ device: a.cudaDevice(), backend: a.backend(), build: a.buildInfo(), addonFrom: process.argv[1] }));
' "$addon_from") >"$WORK/device.json" 2>>"$LOG"
tee -a "$LOG" <"$WORK/device.json"
if [ -z "$STANDIN" ] && ! grep -q '"usable":true' "$WORK/device.json"; then
  say "gpu-check: the addon sees no usable device; stopping (see backend's reason above)"
  node scripts/gpu-report.mjs "$WORK" "$OUT" || true
  exit 1
fi

SIDE=${STANDIN:-cuda}
QUICK=$([ -n "$STANDIN" ] && echo 1 || echo 0)
SRC=(node --conditions=nightshift-source --import tsx)

step "2. every op on $SIDE against the CPU kernels"
(cd packages/worker && COMPARE_A=$SIDE COMPARE_PROFILE=$([ "$QUICK" = 1 ] && echo quick || echo full) run compare 150 "${SRC[@]}" bench/gpu-compare.ts "$WORK/compare.json")

step "3. bench:kernels, $SIDE next to the CPU kernels"
(cd packages/worker && BENCH_REFERENCE=0 BENCH_DEVICE=$SIDE BENCH_DEVICE_QUICK=$QUICK BENCH_JSON="$WORK/kernels.json" run kernels 150 "${SRC[@]}" bench/kernels.bench.ts)

step "4. bench:batching, attention with GPU workers"
(cd packages/scheduler && BENCH_OPS=attention BENCH_SWEEP=0 BENCH_PLAIN_CS=1,4,8 BENCH_JOBS=$([ "$QUICK" = 1 ] && echo 2000 || echo 20000) BENCH_JSON="$WORK/batching.json" \
  run batching 150 node --max-semi-space-size=64 --conditions=nightshift-source --import tsx bench/batching.bench.ts)

# The same documents as one batch object (issue 18's shape), against plain BullMQ in the same minute.
(cd packages/scheduler && BENCH_QUICK=attention BENCH_BATCH=1 BENCH_PLAIN=8 BENCH_JOBS=$([ "$QUICK" = 1 ] && echo 2000 || echo 20000) \
  run batch-object 120 node --max-semi-space-size=64 --conditions=nightshift-source --import tsx bench/batching.bench.ts)

step "5. report"
echo "$(($(date +%s) - T0))" >"$WORK/seconds"
echo "$STANDIN" >"$WORK/standin"
node scripts/gpu-report.mjs "$WORK" "$OUT"
