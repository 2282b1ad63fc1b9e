import { createHash, timingSafeEqual } from 'node:crypto';

/** The metadata that carries the scheduler's dispatch secret on every RunBatch. */
export const DISPATCH_SECRET_HEADER = 'x-nightshift-dispatch-secret';

/** SHA-256 of a dispatch secret, hex: what a worker's config stores. */
export function hashDispatchSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether `secret` hashes to `sha256` (hex), compared in constant time. */
export function dispatchSecretMatches(secret: string | undefined, sha256: string): boolean {
  if (secret === undefined) return false;
  const want = Buffer.from(sha256, 'hex');
  const got = createHash('sha256').update(secret).digest();
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Whether a listen host (of host:port) is a loopback address, reachable from this machine only. */
export function isLoopbackListen(address: string): boolean {
  const host = address.slice(0, address.lastIndexOf(':')).replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(\.\d{1,3}){3}$/.test(host);
}
