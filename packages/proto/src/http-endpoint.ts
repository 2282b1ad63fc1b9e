import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from './logger.js';
import { httpsServerOptions, type ServerTls } from './tls.js';

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
}

/**
 * A small HTTP server for what operators read: GET /metrics, and on the scheduler the dashboard.
 * Routes are matched by exact path; anything else is a 404 that lists them.
 */
export async function listenHttp(address: string, routes: Readonly<Record<string, Route>>, log: Logger, opts: HttpOptions = {}): Promise<HttpEndpoint> {
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
  const server: Server = opts.tls ? createHttpsServer(httpsServerOptions(opts.tls), onRequest) : createServer(onRequest);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(Number(address.slice(i + 1)), host, resolve);
  });
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
