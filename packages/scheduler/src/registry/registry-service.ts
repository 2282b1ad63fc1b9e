import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import {
  OP_NAMES, throttled, type DeregisterRequest__Output, type DeregisterResponse, type HeartbeatRequest__Output, type HeartbeatResponse, type Logger,
  type RegisterRequest__Output, type RegisterResponse, type RegistryServiceHandlers,
} from '@nightshift/proto';
import { ApiError } from '../api/api-error.js';
import { parseRequest, workerId } from '../api/requests.js';
import { unary } from '../api/unary.js';
import type { WorkerRegistry } from './worker-registry.js';
import type { ApiKeys, WorkerAccess } from '../auth/index.js';


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

const leaseRequest = z.object({ workerId, leaseToken: z.string().max(128) });

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
        const w = parseRequest(workerInfo, call.request.worker, 'worker');
        return this.register(w, this.auth.workerAccess(call.metadata, w.id));
      }),
      Heartbeat: unary('Heartbeat', this.log, async (call: grpc.ServerUnaryCall<HeartbeatRequest__Output, HeartbeatResponse>) => {
        const { workerId: id, leaseToken } = parseRequest(leaseRequest, call.request);
        this.auth.workerAccess(call.metadata, id);
        return { known: await this.registry.heartbeat(id, leaseToken, Date.now()) };
      }),
      Deregister: unary('Deregister', this.log, async (call: grpc.ServerUnaryCall<DeregisterRequest__Output, DeregisterResponse>) => {
        const { workerId: id, leaseToken } = parseRequest(leaseRequest, call.request);
        const access = this.auth.workerAccess(call.metadata, id);
        // An admin may drain any worker; anyone else only the registration it holds the token of.
        const done = await this.registry.drain(id, access.admin && !leaseToken ? undefined : leaseToken);
        if (done === 'missing') throw new ApiError(grpc.status.NOT_FOUND, `worker ${id} is not registered`);
        if (done === 'denied') throw new ApiError(grpc.status.PERMISSION_DENIED, `worker ${id} was registered by another process: its lease token does not match`);
        this.log.info({ workerId: id }, 'worker draining');
        return {};
      }),
    };
  }

  private async register(w: z.output<typeof workerInfo>, access: WorkerAccess): Promise<RegisterResponse> {
    const r = await this.registry.register({ ...w, owner: access.key, proven: access.proven }, Date.now());
    if (!r.ok) {
      const seconds = Math.ceil(r.retryAfterMs / 1000);
      throttled(this.log, 'warn', 'registration refused: the id is registered elsewhere', { workerId: w.id, address: w.address, holder: r.address });
      throw new ApiError(
        grpc.status.ALREADY_EXISTS,
        `worker ${w.id} is registered at ${r.address} with a lease that holds for ${seconds} s more; a worker may not move while its lease holds`,
        seconds,
      );
    }
    this.log.info({ workerId: w.id, address: w.address, workerClass: w.workerClass, pool: w.pool, backend: w.backend, proven: access.proven }, 'worker registered');
    return { leaseSeconds: this.registry.leaseSeconds, heartbeatSeconds: this.heartbeatSeconds, leaseToken: r.leaseToken };
  }
}
