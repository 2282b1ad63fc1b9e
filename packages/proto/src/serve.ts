import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { loadNightshift } from './load.js';

/**
 * A request whose bytes did not decode as its message. grpc-js would answer
 * such a request INTERNAL on its own; with `tolerantDecoding` the handler
 * gets this instead, and answers INVALID_ARGUMENT.
 */
export class MalformedRequest {
  constructor(
    /** The method's path, /package.Service/Method. */
    readonly method: string,
    readonly reason: string,
  ) {}

  get message(): string {
    return `request: not a valid message for ${this.method}: ${this.reason}`;
  }
}

/**
 * The service definition with request decoding that never throws: a request that does not decode
 * becomes a MalformedRequest. Responses given as bytes are sent as they are, so that a message sent
 * to many streams is encoded once.
 */
export function tolerantDecoding<D extends grpc.ServiceDefinition>(def: D): D {
  const out: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(def as grpc.ServiceDefinition)) {
    out[name] = {
      ...m,
      responseSerialize: (value: unknown) => (Buffer.isBuffer(value) ? value : m.responseSerialize(value)),
      requestDeserialize: (bytes: Buffer) => {
        try {
          return m.requestDeserialize(bytes);
        } catch (err) {
          return new MalformedRequest(m.path, (err as Error).message);
        }
      },
    };
  }
  return out as D;
}

export interface ServingServer {
  server: grpc.Server;
  /** The bound port (useful when asked for port 0). */
  port: number;
  health: HealthImplementation;
  /** Marks every service NOT_SERVING, then stops; in-flight calls get `graceMs` to finish. */
  shutdown(graceMs?: number): Promise<void>;
}

/**
 * Binds a server with the standard gRPC health service and server reflection
 * next to the given services. `register` adds the services and returns the
 * fully qualified names that health should report as SERVING.
 */
export async function serve(
  address: string,
  register: (server: grpc.Server) => string[],
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
  options: grpc.ServerOptions = {},
): Promise<ServingServer> {
  const server = new grpc.Server(options);
  const names = register(server);
  const health = new HealthImplementation(Object.fromEntries([['', 'SERVING'], ...names.map((n) => [n, 'SERVING'])]));
  health.addToServer(server);
  new ReflectionService(loadNightshift().definition).addToServer(server);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(address, credentials, (err, p) => (err ? reject(err) : resolve(p))),
  );
  const shutdown = async (graceMs = 10_000): Promise<void> => {
    for (const n of ['', ...names]) health.setStatus(n, 'NOT_SERVING');
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        resolve();
      }, graceMs);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  };
  return { server, port, health, shutdown };
}
