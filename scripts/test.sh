#!/usr/bin/env bash
# All tests: installs what they need, makes sure Redis answers, builds and
# type-checks every package, runs every package's tests (real Redis, real
# gRPC on loopback), and ends with one "N passed, N failed" line.
set -euo pipefail
cd "$(dirname "$0")/.."
# The native kernels must build here: a failure fails the tests instead of falling back quietly.
NIGHTSHIFT_NATIVE=required bash scripts/setup.sh
bash scripts/ensure-redis.sh

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
pnpm test 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Each package's node --test run ends with "# pass N" and "# fail N"; add them up.
awk '/# pass [0-9]+$/ {p += $NF} /# fail [0-9]+$/ {f += $NF} END {print p + 0 " passed, " f + 0 " failed"}' "$log"
exit "$status"
