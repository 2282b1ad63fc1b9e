import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A FAKE of the Kubernetes API server, for the one thing discovery asks of
 * it: list and watch the pods of a namespace by label selector. No cluster
 * can run here; the real client library (@kubernetes/client-node) talks to
 * this over HTTP exactly as it would to a cluster. Pods are plain objects;
 * every change bumps the resource version and is sent to open watches that
 * asked for anything older, as the real server does.
 */
export class FakeKubeApi {
  private rv = 1;
  private readonly pods = new Map<string, Record<string, unknown>>();
  private readonly log: Array<{ rv: number; type: string; pod: Record<string, unknown> }> = [];
  private readonly watches = new Set<{ res: ServerResponse; selector: string }>();
  readonly requests: Array<{ watch: boolean; resourceVersion: string | null }> = [];
  private server = createServer((req, res) => this.handle(req, res));
  url = '';

  constructor(readonly namespace: string) {}

  async start(): Promise<void> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** A kubeconfig that points at this server. */
  kubeconfig(): string {
    return [
      'apiVersion: v1', 'kind: Config', 'current-context: fake',
      `clusters: [{ name: fake, cluster: { server: "${this.url}", insecure-skip-tls-verify: true } }]`,
      `contexts: [{ name: fake, context: { cluster: fake, user: fake, namespace: ${this.namespace} } }]`,
      'users: [{ name: fake, user: { token: fake } }]', '',
    ].join('\n');
  }

  /** Adds or changes a pod. */
  put(name: string, labels: Record<string, string>, opts: { ready: boolean; ip?: string; port: number }): void {
    const existed = this.pods.has(name);
    const rv = String(++this.rv);
    const pod = {
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, namespace: this.namespace, labels, resourceVersion: rv, uid: `uid-${name}` },
      spec: { containers: [{ name: 'worker', image: 'nightshift-worker', ports: [{ name: 'grpc', containerPort: opts.port }] }] },
      status: { phase: 'Running', podIP: opts.ip, conditions: [{ type: 'Ready', status: opts.ready ? 'True' : 'False' }] },
    };
    this.pods.set(name, pod);
    this.emit(existed ? 'MODIFIED' : 'ADDED', pod);
  }

  remove(name: string): void {
    const pod = this.pods.get(name);
    if (!pod) return;
    this.pods.delete(name);
    const rv = String(++this.rv);
    this.emit('DELETED', { ...pod, metadata: { ...(pod.metadata as object), resourceVersion: rv } });
  }

  private failing = 0;

  /** The next `n` watch requests get 500, as from an API server in trouble. */
  failWatches(n: number): void {
    this.failing = n;
  }

  /** Ends every open watch, as an API server does when a watch times out: the client must resume. */
  dropWatches(): void {
    for (const w of this.watches) w.res.end();
    this.watches.clear();
  }

  get openWatches(): number {
    return this.watches.size;
  }

  async stop(): Promise<void> {
    this.dropWatches();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }

  private emit(type: string, pod: Record<string, unknown>): void {
    const rv = Number((pod.metadata as { resourceVersion: string }).resourceVersion);
    this.log.push({ rv, type, pod });
    for (const w of this.watches) if (matches(pod, w.selector)) w.res.write(`${JSON.stringify({ type, object: pod })}\n`);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    if (url.pathname !== `/api/v1/namespaces/${this.namespace}/pods`) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 404 }));
      return;
    }
    const selector = url.searchParams.get('labelSelector') ?? '';
    const watch = url.searchParams.get('watch') === 'true';
    const from = url.searchParams.get('resourceVersion');
    this.requests.push({ watch, resourceVersion: from });
    if (!watch) {
      const items = [...this.pods.values()].filter((p) => matches(p, selector));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: String(this.rv) }, items }));
      return;
    }
    if (this.failing > 0) {
      this.failing--;
      res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ kind: 'Status', code: 500, message: 'etcd is away' }));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    // The real server answers a watch at once, before any event.
    res.flushHeaders();
    // Everything after the version the client has, then live changes.
    for (const e of this.log) if (e.rv > Number(from ?? 0) && matches(e.pod, selector)) res.write(`${JSON.stringify({ type: e.type, object: e.pod })}\n`);
    const w = { res, selector };
    this.watches.add(w);
    req.on('close', () => this.watches.delete(w));
  }
}

/** Equality selectors only ("a=b,c=d"): what discovery uses. */
function matches(pod: Record<string, unknown>, selector: string): boolean {
  const labels = ((pod.metadata as { labels?: Record<string, string> }).labels ?? {}) as Record<string, string>;
  return selector.split(',').filter(Boolean).every((term) => {
    const [k, v] = term.split('=');
    return labels[k!] === v;
  });
}
