#!/usr/bin/env bash
# The main job: installs what it needs, then runs the whole system on the
# bundled sample corpus and prints a report (see packages/devtools/src/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec pnpm demo "$@"
