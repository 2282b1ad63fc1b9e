import { randomUUID } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { DISPATCH_SECRET_HEADER, dispatchSecretMatches, MalformedRequest, ParamError, type JobOutcome, type Logger, type RunBatchRequest__Output, type RunBatchResponse, type WorkerServiceHandlers } from '@nightshift/proto';
import type { WorkerConfig } from '../config/worker-config.js';
import type { BatchOutput, KernelBackend } from '../backend/kernel-backend.js';
import { BatchError, checkBatch, selectJobs, type CheckedBatch } from './check-batch.js';
import { packOutcomes } from './packed-outcomes.js';
import type { WorkerMetrics } from '../metrics/index.js';

/** One outcome a job, in order: the refused with their reason, the others as the backend answered. */
function perJobOutcomes(batch: CheckedBatch, refused: ReadonlyMap<number, string>, output: BatchOutput): JobOutcome[] {
  let k = 0;
  return batch.jobIds.map((jobId, i) => {
    const why = refused.get(i);
    if (why !== undefined) return { jobId, error: why, kernelSeconds: 0 };
    const out = output.jobs[k]!;
    const kernelSeconds = output.jobSeconds[k++] ?? 0;
    if (!out.ok) return { jobId, error: out.error, kernelSeconds };
    return out.value instanceof Uint32Array
      ? { jobId, result: { signature: Array.from(out.value) }, kernelSeconds }
      : { jobId, result: { vector: Array.from(out.value) }, kernelSeconds };
  });
}

type Call = grpc.ServerUnaryCall<RunBatchRequest__Output, RunBatchResponse>;
type Callback = grpc.sendUnaryData<RunBatchResponse>;

/** The WorkerService: checks a batch, runs it on the backend, reports per job (or, for a unit, packed). */
export class WorkerService {
  private inFlight = 0;
  private draining = false;
  private idle: Array<() => void> = [];
  /** Batches taken and not yet answered: what a stop hands back. */
  private readonly open = new Map<string, Callback>();

  constructor(
    private readonly config: WorkerConfig,
    private readonly backend: KernelBackend,
    private readonly log: Logger,
    private readonly metrics?: WorkerMetrics,
  ) {}

  handlers(): WorkerServiceHandlers {
    return {
      RunBatch: (call: Call, cb: Callback) => {
        // Checked first, before the batch is looked at (counted by the gRPC metrics only: its op is the caller's word).
        const denied = this.unauthenticated(call);
        if (denied) return cb({ code: grpc.status.UNAUTHENTICATED, details: denied });
        const req: unknown = call.request;
        if (req instanceof MalformedRequest) return cb({ code: grpc.status.INVALID_ARGUMENT, details: req.message });
        void this.runBatch(call, cb);
      },
    };
  }

  /** Why this call may not send batches (no or a wrong dispatch secret, when one is set); undefined: it may. */
  private unauthenticated(call: Call): string | undefined {
    const want = this.config.dispatchSecretSha256;
    if (!want) return undefined;
    const sent = call.metadata.get(DISPATCH_SECRET_HEADER)[0];
    if (dispatchSecretMatches(typeof sent === 'string' ? sent : undefined, want)) return undefined;
    return `worker ${this.config.id}: RunBatch needs the schedulers' dispatch secret in ${DISPATCH_SECRET_HEADER} metadata (${sent === undefined ? 'none sent' : 'the one sent is wrong'})`;
  }

  get batchesInFlight(): number {
    return this.inFlight;
  }

  /**
   * Answers every batch not yet done with ABORTED: the worker is stopping (a spot instance taken
   * back, say) and the scheduler runs them elsewhere. Their kernels' late results are dropped.
   */
  handBack(): number {
    const n = this.open.size;
    for (const [batchId, cb] of this.open) {
      this.log.warn({ batchId }, 'batch handed back unfinished');
      cb({ code: grpc.status.ABORTED, details: `worker ${this.config.id} is stopping: batch handed back unfinished` });
    }
    this.open.clear();
    return n;
  }

  /** Stop taking batches; resolves once the ones already taken are answered. */
  drain(): Promise<void> {
    this.draining = true;
    return this.inFlight === 0 ? Promise.resolve() : new Promise((resolve) => this.idle.push(resolve));
  }

  /** The jobs this worker does not run, by index, with why; the rest of the batch runs. */
  private refusals(batch: CheckedBatch): Map<number, string> {
    const op = batch.spec.op;
    const limit = this.config.limits.maxSequenceLength[op];
    const refused = new Map<number, string>();
    for (let i = 0; i < batch.count; i++) {
      const length = batch.offsets[i + 1]! - batch.offsets[i]!;
      // The limit is this worker's (its memory), so such a job fails here and may succeed elsewhere.
      if (length > limit) refused.set(i, `sequence of ${length} tokens exceeds this worker's ${op} limit of ${limit}`);
      // The kernels answer 0 tokens by definition (minhash 0xFFFFFFFF, embed and attention zeros), a
      // result that says nothing about the item; the job path refuses empty input at admission, a unit here.
      else if (length === 0 && batch.packed) refused.set(i, 'empty item: 0 tokens');
    }
    return refused;
  }

  private async runBatch(call: Call, reply: Callback): Promise<void> {
    if (this.draining) {
      this.metrics?.refused(call.request.op, 'draining');
      reply({ code: grpc.status.UNAVAILABLE, details: `worker ${this.config.id} is draining and takes no new batches` });
      return;
    }
    const batchId = call.request.batchId || randomUUID();
    const key = `${batchId}#${randomUUID()}`;
    this.open.set(key, reply);
    // Answers once: not at all if the batch was handed back meanwhile.
    const cb: Callback = (err, value) => {
      if (this.open.delete(key)) reply(err, value);
    };
    this.inFlight++;
    try {
      const batch = checkBatch(call.request, this.config.limits);
      const refused = this.refusals(batch);
      const output = await this.backend.run(refused.size > 0 ? selectJobs(batch, (i) => !refused.has(i)) : batch);
      const res: RunBatchResponse = { batchId, workerId: this.config.id, backend: this.backend.name, kernelSeconds: output.seconds };
      let failed: number;
      if (batch.packed) {
        res.packed = packOutcomes(batch.spec, batch.count, refused, output, batch.segments);
        failed = res.packed.failed!.length;
      } else {
        res.outcomes = perJobOutcomes(batch, refused, output);
        failed = res.outcomes.filter((o) => o.error !== undefined).length;
      }
      this.log.debug({ batchId, op: batch.spec.op, jobs: batch.count, packed: batch.packed, tokens: batch.tokens.length, seconds: output.seconds }, 'batch done');
      this.metrics?.ran(batch.spec.op, batch.count, failed, output.seconds);
      cb(null, res);
    } catch (err) {
      const invalid = err instanceof BatchError || err instanceof ParamError;
      this.metrics?.refused(call.request.op, invalid ? 'invalid' : 'error');
      if (invalid) {
        cb({ code: grpc.status.INVALID_ARGUMENT, details: err.message });
      } else {
        this.log.error({ err, batchId }, 'batch failed');
        cb({ code: grpc.status.INTERNAL, details: `worker ${this.config.id}: ${(err as Error).message}` });
      }
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }
}
