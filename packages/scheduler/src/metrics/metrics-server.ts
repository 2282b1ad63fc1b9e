import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';
import type { Logger } from '@nightshift/proto';
import { poolOf } from '../queueing/index.js';

/**
 * The scheduler's Prometheus endpoint (GET /metrics). For now it exports
 * the queue depth that worker autoscaling reads (deploy/base/autoscaling.yaml);
 * each scheduler has a registry of its own, so several may run in one process.
 */
export class MetricsServer {
  readonly registry = new Registry();
  private server: Server | undefined;

  constructor(
    /** Jobs waiting for a batch, per queue (every replica's). */
    depths: () => Promise<ReadonlyMap<string, number>>,
    private readonly log: Logger,
  ) {
    new Gauge({
      name: 'nightshift_queue_depth',
      help: 'Jobs waiting for a batch, per queue (op and range of lengths) and the pool that takes it.',
      labelNames: ['queue', 'pool'],
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [queue, n] of await depths()) this.set({ queue, pool: poolOf(queue) }, n);
      },
    });
  }

  /** Serves /metrics on host:port (port 0: any free one); its address. */
  async listen(address: string): Promise<string> {
    const i = address.lastIndexOf(':');
    const host = address.slice(0, i);
    this.server = createServer((req, res) => {
      if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
        res.writeHead(404).end('not found: try GET /metrics\n');
        return;
      }
      this.registry.metrics().then(
        (body) => res.writeHead(200, { 'content-type': this.registry.contentType }).end(body),
        (err: unknown) => {
          this.log.warn({ err }, 'metrics collection failed');
          res.writeHead(500).end('metrics collection failed\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(Number(address.slice(i + 1)), host, resolve);
    });
    return `${host}:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise((r) => this.server!.close(r));
  }
}
