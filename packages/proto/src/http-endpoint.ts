import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { Registry } from 'prom-client';
import { throttled, type Logger } from './logger.js';
import { ConnectionGuard, DEFAULT_CONNECTION_LIMITS, type ConnectionLimits } from './connection-guard.js';
import { httpsServerOptions, type ServerTls } from './tls.js';

/** Longest one request may take to arrive, headers and body (the dashboard's login is the largest, and small). */
const REQUEST_TIMEOUT_MS = 30_000;
/** How long an idle keep-alive connection is kept between requests (Node's default, said aloud). */
const KEEP_ALIVE_TIMEOUT_MS = 5_000;

/** Answers one request; the URL is parsed already. A rejection becomes a 500 and a warning. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface HttpEndpoint {
  /** host:port it listens on (the port found when asked for 0). */
  address: string;
  close(): Promise<void>;
}

export interface HttpOptions {
  /** Serve HTTPS with this certificate and key (the same settings as a gRPC server's `tls`); unset: plain HTTP. */
  tls?: ServerTls;
  /** Connections per address and in all, and how soon they must send a request. */
  limits?: ConnectionLimits;
}

/**
 * A small HTTP server for what operators read: GET /metrics, and on the scheduler the dashboard.
 * Routes are matched by exact path; anything else is a 404 that lists them. Connections are
 * capped per remote address and in all, and must send their request in time (`limits`).
 */
export async function listenHttp(address: string, routes: Readonly<Record<string, Route>>, log: Logger, opts: HttpOptions = {}): Promise<HttpEndpoint> {
  const limits = opts.limits ?? DEFAULT_CONNECTION_LIMITS;
  const i = address.lastIndexOf(':');
  const host = address.slice(0, i);
  const known = Object.keys(routes).join(', ');
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://local');
    const route = Object.hasOwn(routes, url.pathname) ? routes[url.pathname] : undefined;
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: try ${known}\n`);
      return;
    }
    Promise.resolve()
      .then(() => route(req, res, url))
      .catch((err: unknown) => {
        log.warn({ err, path: url.pathname }, 'http request failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('internal error\n');
      });
  };
  const timeouts = {
    headersTimeout: limits.firstBytesSeconds * 1000,
    requestTimeout: Math.max(REQUEST_TIMEOUT_MS, limits.firstBytesSeconds * 1000),
    keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
    // The timeouts above are checked this often (Node's default is 30 s).
    connectionsCheckingInterval: 1000,
  };
  const server: Server = opts.tls ? createHttpsServer({ ...httpsServerOptions(opts.tls), ...timeouts }, onRequest) : createServer(timeouts, onRequest);
  server.maxConnections = limits.max;
  const guard = new ConnectionGuard(limits, log, 'http');
  // Before the HTTP parser (or TLS) sees it: a socket over a cap is destroyed here, and Node's listener then finds it closed.
  server.prependListener('connection', (socket: Socket) => void guard.admit(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(i + 1)), host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  // accept() fails when descriptors run out (EMFILE): say so, and keep serving those open.
  server.on('error', (err) => throttled(log, 'error', 'http port: accept failed', { err }));
  return {
    address: `${host}:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    },
  };
}

/** GET /metrics from a registry (Prometheus scrapes it; open, as scrape targets usually are). */
export function metricsRoute(registry: Registry): Route {
  return async (req, res) => {
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end();
      return;
    }
    const body = await registry.metrics();
    res.writeHead(200, { 'content-type': registry.contentType }).end(body);
  };
}
