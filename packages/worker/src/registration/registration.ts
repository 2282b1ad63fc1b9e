import * as grpc from '@grpc/grpc-js';
import { loadNightshift, type Logger, type RegistryServiceClient, type WorkerInfo } from '@nightshift/proto';

/**
 * Keeps this worker in the fleet: registers with a scheduler, heartbeats to
 * keep its lease, registers again if the lease lapsed (a pause, a network
 * split), and on drain asks to be sent nothing more. Registration never
 * holds up serving: until a scheduler answers, it retries with backoff.
 */
export class Registration {
  private readonly client: RegistryServiceClient;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private heartbeatMs = 3000;
  /** The secret of the registration that holds the lease: heartbeats and Deregister send it. */
  private leaseToken = '';

  private readonly metadata = new grpc.Metadata();

  constructor(
    scheduler: string,
    private readonly info: WorkerInfo,
    private readonly log: Logger,
    /** TLS to the scheduler, and the worker API key it checks (when it checks keys). */
    auth: { credentials?: grpc.ChannelCredentials; apiKey?: string } = {},
  ) {
    const Client = loadNightshift().grpcObject.nightshift.v1.RegistryService;
    this.client = new Client(scheduler, auth.credentials ?? grpc.credentials.createInsecure());
    if (auth.apiKey) this.metadata.set('authorization', `Bearer ${auth.apiKey}`);
  }

  start(): void {
    void this.register(0);
  }

  private async register(attempt: number): Promise<void> {
    if (this.stopped) return;
    try {
      const res = await this.call<{ leaseSeconds: number; heartbeatSeconds: number; leaseToken: string }>((cb) => this.client.register({ worker: this.info }, this.metadata, this.deadline(), cb));
      this.leaseToken = res.leaseToken;
      this.heartbeatMs = Math.max(200, res.heartbeatSeconds * 1000);
      this.log.info({ leaseSeconds: res.leaseSeconds, heartbeatSeconds: res.heartbeatSeconds }, 'registered');
      this.schedule(() => this.heartbeat(), this.heartbeatMs);
    } catch (err) {
      const wait = Math.min(10_000, 250 * 2 ** attempt);
      if (attempt === 0 || wait === 10_000) this.log.warn({ err: (err as Error).message, retryMs: wait }, 'registration failed; retrying');
      this.schedule(() => this.register(attempt + 1), wait);
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      const { known } = await this.call<{ known: boolean }>((cb) => this.client.heartbeat({ workerId: this.info.id, leaseToken: this.leaseToken }, this.metadata, this.deadline(), cb));
      if (!known) {
        this.log.warn('lease had lapsed: registering again');
        return this.register(0);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'heartbeat failed');
    }
    this.schedule(() => this.heartbeat(), this.heartbeatMs);
  }

  /** Asks for no new batches (best effort); heartbeats go on until stop(), so batches out are not cancelled. */
  async drain(): Promise<void> {
    try {
      await this.call((cb) => this.client.deregister({ workerId: this.info.id, leaseToken: this.leaseToken }, this.metadata, this.deadline(), cb));
      this.log.info('deregistered: no new batches');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not deregister; the lease will lapse');
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.client.close();
  }

  private schedule(fn: () => Promise<void>, ms: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void fn(), ms);
    this.timer.unref();
  }

  private deadline(): { deadline: number } {
    return { deadline: Date.now() + 5000 };
  }

  private call<T>(fn: (cb: (err: grpc.ServiceError | null, res?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => fn((err, res) => (err ? reject(err) : resolve(res as T))));
  }
}
