#!/usr/bin/env bash
# Installs what the workspace needs: the pinned pnpm, then the dependencies
# exactly as the lockfile says. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing pnpm $want (found: ${have:-none})"
  npm install -g "pnpm@$want" --silent
fi
pnpm install --frozen-lockfile
