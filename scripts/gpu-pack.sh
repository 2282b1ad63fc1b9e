#!/usr/bin/env bash
# Packs what scripts/gpu-check.sh needs on a GPU machine that reaches no package registry
# (the workplace's lent device): Node.js with its headers, the installed dependencies, a
# redis-server with its libraries and, as a fallback, this machine's CUDA build of the addon.
# Writes .gpu-carry/ (ignored by git; about 50 MB). Run after scripts/setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .gpu-carry && mkdir -p .gpu-carry/redis/lib .gpu-carry/addon
trap 'rm -rf .gpu-carry/redis' EXIT
node_prefix=$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")
tar -cf - -C "$node_prefix" bin/node include/node | xz -T0 -6 > .gpu-carry/node.tar.xz
# Dependencies, less what only builds, lints or types need (turbo, typescript, playwright, @types).
tar -cf - --exclude='node_modules/.pnpm/@turbo+*' --exclude='node_modules/.pnpm/turbo@*' --exclude='node_modules/.pnpm/typescript@*' \
  --exclude='node_modules/.pnpm/playwright*' --exclude='node_modules/.pnpm/@types+*' node_modules packages/*/node_modules | xz -T0 -6 > .gpu-carry/deps.tar.xz
redis=$(command -v redis-server)
cp "$(readlink -f "$redis")" .gpu-carry/redis/redis-server.bin
ldd "$redis" | awk '/=> \// {print $3}' | grep -Ev '/(libc|libm|libpthread|libdl|librt|libstdc\+\+|libgcc_s|ld-linux[^/]*)\.so' | xargs -I{} cp -L {} .gpu-carry/redis/lib/
cat > .gpu-carry/redis/redis-server <<'SH'
#!/bin/sh
here=$(dirname "$(readlink -f "$0")")
LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" exec "$here/redis-server.bin" "$@"
SH
chmod +x .gpu-carry/redis/redis-server
tar -cf - -C .gpu-carry redis | xz -T0 -6 > .gpu-carry/redis.tar.xz
cp packages/worker/native/build/Release/nightshift_kernels.node .gpu-carry/addon/
du -sh .gpu-carry
