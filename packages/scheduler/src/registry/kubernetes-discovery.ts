import { CoreV1Api, KubeConfig, makeInformer, type Informer, type V1Pod } from '@kubernetes/client-node';
import type { Logger } from '@nightshift/proto';
import type { WorkerEntry } from '../config/scheduler-config.js';

export interface KubernetesDiscoveryOptions {
  /** Namespace of the worker pods (default: the scheduler's own, in a cluster). */
  namespace?: string;
  labelSelector: string;
  /** The WorkerService port, when the pod has no container port named "grpc". */
  port: number;
  /** A kubeconfig file; unset: the in-cluster service account (else ~/.kube/config). */
  kubeconfig?: string;
}

/** Labels and annotations a worker pod may carry to describe itself. */
export const POD_LABELS = { workerClass: 'nightshift.dev/worker-class', pool: 'nightshift.dev/pool' } as const;
export const POD_ANNOTATIONS = { maxBatchesInFlight: 'nightshift.dev/max-batches-in-flight', maxPaddedTokens: 'nightshift.dev/max-padded-tokens' } as const;

/**
 * Finds workers by watching pods (list, then watch, through the Kubernetes
 * client's informer). A pod is a worker while it is Ready and has an IP;
 * its id is its name, the id a pod that registers itself uses too, so the
 * two ways never count one worker twice. A watch the server closes is
 * resumed from the last resource version by the informer; one that fails
 * is started again after a backoff.
 */
export class KubernetesDiscovery {
  private readonly found = new Map<string, WorkerEntry>();
  private readonly informer: Informer<V1Pod>;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;
  private lastFailure = 0;

  constructor(
    private readonly opts: KubernetesDiscoveryOptions,
    private readonly log: Logger,
    /** Called whenever the set of workers found changes. */
    private readonly changed: () => void,
  ) {
    const kc = new KubeConfig();
    if (opts.kubeconfig) kc.loadFromFile(opts.kubeconfig);
    else kc.loadFromDefault();
    const namespace = opts.namespace ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
    const api = kc.makeApiClient(CoreV1Api);
    this.informer = makeInformer(
      kc,
      `/api/v1/namespaces/${namespace}/pods`,
      () => api.listNamespacedPod({ namespace, labelSelector: opts.labelSelector }),
      opts.labelSelector,
    );
    this.informer.on('add', (pod) => this.upsert(pod));
    this.informer.on('update', (pod) => this.upsert(pod));
    this.informer.on('delete', (pod) => this.remove(pod.metadata?.name ?? ''));
    this.informer.on('error', (err) => {
      if (this.stopped) return;
      // Failures in a row double the wait; a minute without one starts again from half a second.
      if (Date.now() - this.lastFailure > 60_000) this.failures = 0;
      this.lastFailure = Date.now();
      const wait = Math.min(30_000, 500 * 2 ** this.failures++);
      this.log.warn({ err: (err as Error)?.message ?? String(err), retryMs: wait }, 'pod watch failed; starting it again');
      this.retry = setTimeout(() => void this.informer.start().catch(() => undefined), wait);
      this.retry.unref();
    });
  }

  async start(): Promise<void> {
    await this.informer.start();
    this.log.info({ labelSelector: this.opts.labelSelector, workers: this.found.size }, 'watching worker pods');
  }

  workers(): WorkerEntry[] {
    return [...this.found.values()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    await this.informer.stop();
  }

  private upsert(pod: V1Pod): void {
    const name = pod.metadata?.name ?? '';
    const entry = this.entryOf(pod);
    if (!entry) return this.remove(name);
    const before = this.found.get(name);
    this.found.set(name, entry);
    if (!before || before.address !== entry.address) {
      this.log.info({ workerId: name, address: entry.address }, 'worker pod ready');
      this.changed();
    }
  }

  private remove(name: string): void {
    if (!this.found.delete(name)) return;
    this.log.info({ workerId: name }, 'worker pod gone or not ready');
    this.changed();
  }

  /** The worker a pod is, if it is Ready with an IP. */
  private entryOf(pod: V1Pod): WorkerEntry | undefined {
    const ready = pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
    const ip = pod.status?.podIP;
    if (!ready || !ip || pod.metadata?.deletionTimestamp) return undefined;
    const named = pod.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === 'grpc')?.containerPort;
    const labels = pod.metadata?.labels ?? {};
    const notes = pod.metadata?.annotations ?? {};
    const inFlight = Number(notes[POD_ANNOTATIONS.maxBatchesInFlight] ?? 2);
    const padded = Number(notes[POD_ANNOTATIONS.maxPaddedTokens] ?? 0);
    return {
      id: pod.metadata!.name!,
      address: `${ip.includes(':') ? `[${ip}]` : ip}:${named ?? this.opts.port}`,
      workerClass: labels[POD_LABELS.workerClass] ?? 'cpu',
      pool: labels[POD_LABELS.pool] === 'spot' ? 'spot' : 'on-demand',
      maxBatchesInFlight: Number.isInteger(inFlight) && inFlight >= 1 && inFlight <= 64 ? inFlight : 2,
      ...(Number.isInteger(padded) && padded > 0 ? { maxPaddedTokens: padded } : {}),
    };
  }
}
