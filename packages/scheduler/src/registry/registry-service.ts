import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import {
  OP_NAMES, type DeregisterRequest__Output, type DeregisterResponse, type HeartbeatRequest__Output, type HeartbeatResponse, type Logger,
  type RegisterRequest__Output, type RegisterResponse, type RegistryServiceHandlers,
} from '@nightshift/proto';
import { ApiError } from '../api/api-error.js';
import { parseRequest } from '../api/requests.js';
import { unary } from '../api/unary.js';
import type { WorkerRegistry } from './worker-registry.js';
import type { ApiKeys } from '../auth/index.js';

const workerId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,252}$/, 'must be 1–253 letters, digits, . _ or -');

const workerInfo = z.object({
  id: workerId,
  address: z.string().regex(/^[^\s/]+:\d{1,5}$/, 'must be host:port'),
  workerClass: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1–64 letters, digits, . _ or -'),
  pool: z.enum(['on-demand', 'spot'], { message: 'must be on-demand or spot' }),
  ops: z.array(z.enum(OP_NAMES, { message: `must be one of ${OP_NAMES.join(', ')}` })).min(1, 'must name at least one op'),
  backend: z.string().max(64),
  maxPaddedTokens: z.string().regex(/^\d{1,12}$/, 'must be a number of tokens').transform(Number).refine((n) => n > 0, 'must be positive'),
  maxBatchesInFlight: z.number().int().min(1, 'must be 1 to 64').max(64, 'must be 1 to 64'),
});

/** The RegistryService: workers register, heartbeat and leave through any scheduler replica. */
export class RegistryService {
  constructor(
    private readonly registry: WorkerRegistry,
    private readonly heartbeatSeconds: number,
    private readonly auth: ApiKeys,
    private readonly log: Logger,
  ) {}

  handlers(): RegistryServiceHandlers {
    return {
      Register: unary('Register', this.log, async (call: grpc.ServerUnaryCall<RegisterRequest__Output, RegisterResponse>) => {
        this.auth.requireWorker(call.metadata);
        return this.register(call.request);
      }),
      Heartbeat: unary('Heartbeat', this.log, async (call: grpc.ServerUnaryCall<HeartbeatRequest__Output, HeartbeatResponse>) => {
        this.auth.requireWorker(call.metadata);
        const { workerId: id } = parseRequest(z.object({ workerId }), call.request);
        return { known: await this.registry.heartbeat(id, Date.now()) };
      }),
      Deregister: unary('Deregister', this.log, async (call: grpc.ServerUnaryCall<DeregisterRequest__Output, DeregisterResponse>) => {
        this.auth.requireWorker(call.metadata);
        const { workerId: id } = parseRequest(z.object({ workerId }), call.request);
        if (!(await this.registry.drain(id))) throw new ApiError(grpc.status.NOT_FOUND, `worker ${id} is not registered`);
        this.log.info({ workerId: id }, 'worker draining');
        return {};
      }),
    };
  }

  private async register(req: RegisterRequest__Output): Promise<RegisterResponse> {
    const w = parseRequest(workerInfo, req.worker, 'worker');
    await this.registry.register(w, Date.now());
    this.log.info({ workerId: w.id, address: w.address, workerClass: w.workerClass, pool: w.pool, backend: w.backend }, 'worker registered');
    return { leaseSeconds: this.registry.leaseSeconds, heartbeatSeconds: this.heartbeatSeconds };
  }
}
