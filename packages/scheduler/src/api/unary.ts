import type * as grpc from '@grpc/grpc-js';
import { MalformedRequest, type Logger } from '@nightshift/proto';
import { invalid, toStatus } from './api-error.js';

/** A unary handler from an async function: its errors become statuses (see toStatus). */
export function unary<Req, Res>(method: string, log: Logger, fn: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
    const req: unknown = call.request;
    if (req instanceof MalformedRequest) return cb(toStatus(invalid(req.message), log, method));
    fn(call).then(
      (res) => cb(null, res),
      (err: unknown) => cb(toStatus(err, log, method)),
    );
  };
}
