import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as JobsGrpc } from './generated/jobs.js';
import type { ProtoGrpcType as WorkerGrpc } from './generated/worker.js';
import type { ProtoGrpcType as RegistryGrpc } from './generated/registry.js';
import type { ProtoGrpcType as BatchesGrpc } from './generated/batches.js';

/** The folder of the .proto files: one level up from src/ and from dist/ alike. */
export const PROTO_DIR = fileURLToPath(new URL('../proto', import.meta.url));

export const PROTO_FILES = [
  'nightshift/v1/params.proto',
  'nightshift/v1/jobs.proto',
  'nightshift/v1/worker.proto',
  'nightshift/v1/registry.proto',
  'nightshift/v1/batches.proto',
] as const;

/** Must match the flags of scripts/generate.sh, or the generated types lie. */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [PROTO_DIR],
};

export type NightshiftGrpc = JobsGrpc & WorkerGrpc & RegistryGrpc & BatchesGrpc;

let cached: { definition: protoLoader.PackageDefinition; grpcObject: NightshiftGrpc } | undefined;

/** Loads the contract once per process. */
export function loadNightshift(): { definition: protoLoader.PackageDefinition; grpcObject: NightshiftGrpc } {
  if (!cached) {
    const definition = protoLoader.loadSync([...PROTO_FILES], LOADER_OPTIONS);
    const grpcObject = grpc.loadPackageDefinition(definition) as unknown as NightshiftGrpc;
    cached = { definition, grpcObject };
  }
  return cached;
}
