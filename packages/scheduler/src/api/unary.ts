import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '@nightshift/proto';
import { toStatus } from './api-error.js';

/** A unary handler from an async function: its errors become statuses (see toStatus). */
export function unary<Req, Res>(method: string, log: Logger, fn: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>) {
  return (call: grpc.ServerUnaryCall<Req, Res>, cb: grpc.sendUnaryData<Res>) => {
    fn(call).then(
      (res) => cb(null, res),
      (err: unknown) => cb(toStatus(err, log, method)),
    );
  };
}
