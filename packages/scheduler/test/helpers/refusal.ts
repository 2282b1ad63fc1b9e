import type * as grpc from '@grpc/grpc-js';

/** A call's error as code, message and retry-after trailer; throws if the call was admitted. */
export async function refusal(p: Promise<unknown>): Promise<{ code: number; details: string; retryAfter: number }> {
  try {
    await p;
  } catch (err) {
    const e = err as grpc.ServiceError;
    return { code: e.code, details: e.details, retryAfter: Number(e.metadata?.get('retry-after')[0] ?? NaN) };
  }
  throw new Error('the call was admitted');
}
