import { createServer, type Server as NetServer } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { ReflectionService } from '@grpc/reflection';
import { loadNightshift } from './load.js';
import { ConnectionGuard, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-guard.js';
import { createLogger, throttled, type Logger } from './logger.js';

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

/** How serve() guards its port: connection limits, and where their trouble is logged. */
export interface ServeGuard {
  limits?: ConnectionLimits;
  log?: Logger;
}

/**
 * Binds a server with the standard gRPC health service and server reflection
 * next to the given services. `register` adds the services and returns the
 * fully qualified names that health should report as SERVING.
 *
 * The port is our own net.Server: grpc-js has no cap on connections and no
 * deadline for a connection that never sends its preface (or never finishes
 * its TLS handshake), so each accepted socket passes a ConnectionGuard before
 * it is handed to grpc-js's connection injector (which brings TLS, HTTP/2 and
 * the calls). Keepalive pings and the idle timeout are grpc-js's own options.
 */
export async function serve(
  address: string,
  register: (server: grpc.Server) => string[],
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
  options: grpc.ServerOptions = {},
  guardOptions: ServeGuard = {},
): Promise<ServingServer> {
  const limits = guardOptions.limits ?? DEFAULT_CONNECTION_LIMITS;
  const server = new grpc.Server({
    'grpc.keepalive_time_ms': limits.keepaliveSeconds * 1000,
    'grpc.keepalive_timeout_ms': limits.keepaliveTimeoutSeconds * 1000,
    'grpc.max_connection_idle_ms': limits.idleSeconds * 1000,
    ...options,
  });
  const names = register(server);
  const health = new HealthImplementation(Object.fromEntries([['', 'SERVING'], ...names.map((n) => [n, 'SERVING'])]));
  health.addToServer(server);
  new ReflectionService(loadNightshift().definition).addToServer(server);
  const log = guardOptions.log ?? createLogger('grpc', 'warn');
  const guard = new ConnectionGuard(limits, log, 'grpc');
  const injector = server.createConnectionInjector(credentials);
  const listener: NetServer = createServer((socket) => {
    if (guard.admit(socket)) injector.injectConnection(socket);
  });
  const port = await listen(listener, address);
  // accept() fails when descriptors run out (EMFILE): say so, and keep serving those open.
  listener.on('error', (err) => throttled(log, 'error', 'grpc port: accept failed', { err }));
  const shutdown = async (graceMs = 10_000): Promise<void> => {
    for (const n of ['', ...names]) health.setStatus(n, 'NOT_SERVING');
    listener.close();
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        server.forceShutdown();
        guard.destroyAll();
        resolve();
      }, graceMs);
      force.unref();
      server.tryShutdown(() => {
        clearTimeout(force);
        // Sockets that never became HTTP/2 sessions (a TLS handshake not finished) are not grpc-js's to close.
        guard.destroyAll();
        resolve();
      });
    });
  };
  return { server, port, health, shutdown };
}

/** Listens on host:port (a bracketed IPv6 host too); resolves with the port bound. */
function listen(listener: NetServer, address: string): Promise<number> {
  const i = address.lastIndexOf(':');
  const port = Number(address.slice(i + 1));
  const host = address.slice(0, i).replace(/^\[(.*)\]$/, '$1');
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new Error(`listen address must be host:port, got ${address}`));
  return new Promise((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(port, host || undefined, () => {
      listener.off('error', reject);
      const bound = listener.address();
      resolve(typeof bound === 'object' && bound ? bound.port : port);
    });
  });
}
