import * as grpc from '@grpc/grpc-js';
import { Counter, type Registry } from 'prom-client';

/**
 * A server interceptor that counts every call a server answers, as
 * nightshift_grpc_requests_total{service, method, code}: one increment per
 * call, whatever the service (health and reflection included). Pass it in
 * serve()'s options as `interceptors`. Label children are cached: the sets
 * are bounded by the methods and the status codes.
 */
export function countGrpcRequests(registry: Registry): grpc.ServerInterceptor {
  const counter = new Counter({
    name: 'nightshift_grpc_requests_total',
    help: 'gRPC calls answered, by service, method and status code.',
    labelNames: ['service', 'method', 'code'] as const,
    registers: [registry],
  });
  const children = new Map<string, Counter.Internal>();
  const child = (path: string, code: grpc.status): Counter.Internal => {
    const key = `${path} ${code}`;
    let c = children.get(key);
    if (!c) {
      // path is /package.Service/Method
      const [, service = '', method = ''] = path.split('/');
      c = counter.labels(service, method, grpc.status[code] ?? String(code));
      children.set(key, c);
    }
    return c;
  };
  return (method, call) =>
    new grpc.ServerInterceptingCall(call, {
      sendStatus: (status, next) => {
        child(method.path, status.code ?? grpc.status.UNKNOWN).inc();
        next(status);
      },
    });
}
