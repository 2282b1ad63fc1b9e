#!/usr/bin/env bash
# Generates the TypeScript types of the .proto files into $1.
# The same options are used by src/load.ts at run time; keep them in step.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-src/generated}
rm -rf "$out"
node_modules/.bin/proto-loader-gen-types \
  --longs=String --enums=String --defaults --oneofs --includeComments \
  --grpcLib=@grpc/grpc-js --importFileExtension=.js \
  -I proto -O "$out" \
  nightshift/v1/params.proto nightshift/v1/jobs.proto nightshift/v1/worker.proto
