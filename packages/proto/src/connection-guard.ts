import type { Socket } from 'node:net';
import { z } from 'zod';
import { throttled, type Logger } from './logger.js';

/**
 * Limits on the connections a port accepts: a cap per remote address and in
 * all, a deadline for a connection's first bytes, and how long a connection
 * may sit idle. Both the gRPC port and the HTTP (metrics, dashboard) port
 * take them. Behind a proxy or NAT many clients share one address: raise
 * maxPerAddress there.
 */
export const connectionLimitsSchema = z
  .object({
    /** Connections open at once from one remote address; more are closed at once. */
    maxPerAddress: z.coerce.number().int().min(1).default(64),
    /** Connections open at once on one port, all addresses together. */
    max: z.coerce.number().int().min(1).default(4096),
    /** A connection that has not sent a TLS ClientHello or an HTTP/2 or HTTP/1 request line (24 bytes) this long after it opened is closed. */
    firstBytesSeconds: z.coerce.number().gt(0).default(10),
    /** A connection with no call (gRPC) or request (HTTP) in flight this long is closed; clients reconnect when they need to. */
    idleSeconds: z.coerce.number().gt(0).default(300),
    /** gRPC: the server pings a connection after this long without traffic… */
    keepaliveSeconds: z.coerce.number().gt(0).default(60),
    /** …and closes it when the ping is not answered within this. */
    keepaliveTimeoutSeconds: z.coerce.number().gt(0).default(20),
  })
  .prefault({});

export type ConnectionLimits = z.output<typeof connectionLimitsSchema>;

/** The limits' defaults. */
export const DEFAULT_CONNECTION_LIMITS: ConnectionLimits = connectionLimitsSchema.parse(undefined);

/**
 * Bytes a real client sends first: an HTTP/2 preface is 24 bytes, a TLS
 * ClientHello and an HTTP/1 request line are longer. Fewer by the deadline
 * is an idle or stalled connection.
 */
const FIRST_BYTES = 24;

/**
 * Counts the connections of one port by remote address and refuses (closes)
 * those over the caps; closes a connection that has not sent its first bytes
 * in time. Reads `bytesRead` of the raw socket, which counts what the kernel
 * handed over even when HTTP/2 or TLS consume the socket natively.
 */
export class ConnectionGuard {
  private readonly byAddress = new Map<string, number>();
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly limits: ConnectionLimits,
    private readonly log: Logger,
    /** What the port serves, for logs: "grpc" or "http". */
    private readonly port: string,
  ) {}

  /** Takes a connection just accepted: false (and the socket destroyed) when it is over a cap. */
  admit(socket: Socket): boolean {
    const address = remoteKey(socket);
    const fromAddress = this.byAddress.get(address) ?? 0;
    if (fromAddress >= this.limits.maxPerAddress || this.sockets.size >= this.limits.max) {
      const cap = fromAddress >= this.limits.maxPerAddress ? `${this.limits.maxPerAddress} per address` : `${this.limits.max} in all`;
      throttled(this.log, 'warn', 'connection refused: over the cap', { port: this.port, address, cap });
      socket.destroy();
      return false;
    }
    this.byAddress.set(address, fromAddress + 1);
    this.sockets.add(socket);
    const deadline = setTimeout(() => {
      if (socket.bytesRead >= FIRST_BYTES || socket.destroyed) return;
      throttled(this.log, 'warn', 'connection closed: nothing sent in time', { port: this.port, address, seconds: this.limits.firstBytesSeconds });
      socket.destroy();
    }, this.limits.firstBytesSeconds * 1000);
    deadline.unref();
    socket.once('close', () => {
      clearTimeout(deadline);
      this.sockets.delete(socket);
      const n = (this.byAddress.get(address) ?? 1) - 1;
      if (n > 0) this.byAddress.set(address, n);
      else this.byAddress.delete(address);
    });
    // The socket's owner (HTTP/2, TLS, HTTP) may not listen for errors yet: a reset must not crash the process.
    socket.on('error', () => {});
    return true;
  }

  /** Destroys every connection still open (a forced shutdown). */
  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}

/** The remote address, IPv4 written alike whether it came over IPv4 or IPv6. */
function remoteKey(socket: Socket): string {
  const a = socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}
