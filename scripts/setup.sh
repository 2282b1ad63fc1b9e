#!/usr/bin/env bash
# Installs what the workspace needs: the pinned pnpm, the dependencies
# exactly as the lockfile says, and Debian's chromium for the dashboard's
# browser test (playwright-core drives it; it never downloads a browser).
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

want=$(node -p "require('./package.json').packageManager.split('@')[1]")
have=$(pnpm --version 2>/dev/null || true)
if [ "$have" != "$want" ]; then
  echo "setup: installing pnpm $want (found: ${have:-none})"
  npm install -g "pnpm@$want" --silent
fi
pnpm install --frozen-lockfile

if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium (the dashboard test's browser)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is missing and cannot be installed here; the dashboard test needs it (Debian: sudo apt-get install chromium)" >&2
  fi
fi
