import { createHash, randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import type { Metadata } from '@grpc/grpc-js';
import { ApiError, invalid } from '../api/api-error.js';

export const TENANT_HEADER = 'x-nightshift-tenant';
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** tenant: its own jobs; admin: any tenant's, named by the tenant header, and the fleet; worker: the registry only. */
export type Role = 'tenant' | 'admin' | 'worker';

export interface ApiKeyEntry {
  /** The tenant the key acts for (for an admin or worker key, a name for the logs). */
  tenant: string;
  /** SHA-256 of the key, hex: the key itself is never stored. */
  sha256: string;
  role: Role;
}

/** Who a call comes from. */
export interface Caller {
  tenant: string;
  role: Role;
}

/** A new random key, and its config entry. Keys are 256 random bits, so a plain SHA-256 keeps them safe at rest. */
export function newApiKey(tenant: string, role: Role = 'tenant'): { key: string; entry: ApiKeyEntry } {
  const key = `ns_${randomBytes(32).toString('base64url')}`;
  return { key, entry: { tenant, sha256: hashKey(key), role } };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/**
 * Authentication: with keys configured, every call must carry
 * `authorization: Bearer <key>`, and acts for the key's tenant; an admin key
 * acts for the tenant the tenant header names. Without keys (a development
 * setup), the tenant header alone says who calls.
 */
export class ApiKeys {
  private readonly byHash: Map<string, ApiKeyEntry>;

  constructor(entries: readonly ApiKeyEntry[]) {
    this.byHash = new Map(entries.map((e) => [e.sha256.toLowerCase(), e]));
  }

  get enabled(): boolean {
    return this.byHash.size > 0;
  }

  /** The caller of a call, or UNAUTHENTICATED / PERMISSION_DENIED / INVALID_ARGUMENT. */
  caller(metadata: Metadata): Caller {
    const header = tenantHeader(metadata);
    if (!this.enabled) {
      if (!header) throw new ApiError(grpc.status.UNAUTHENTICATED, `missing ${TENANT_HEADER} metadata: every call acts for a tenant`);
      return { tenant: header, role: 'tenant' };
    }
    const entry = this.entryOf(metadata);
    if (entry.role === 'admin') return { tenant: header ?? entry.tenant, role: 'admin' };
    if (header && header !== entry.tenant) throw new ApiError(grpc.status.PERMISSION_DENIED, `this API key acts for tenant ${entry.tenant}, not ${header}`);
    return { tenant: entry.tenant, role: entry.role };
  }

  /** The tenant a job call acts for: a worker key may not call the JobService. */
  tenantOf(metadata: Metadata): string {
    const c = this.caller(metadata);
    if (c.role === 'worker') throw new ApiError(grpc.status.PERMISSION_DENIED, 'a worker key may only register workers');
    return c.tenant;
  }

  /** Fleet-wide views: an admin key (anyone, without keys: a development setup). */
  requireAdmin(metadata: Metadata): void {
    if (this.enabled && this.entryOf(metadata).role !== 'admin') throw new ApiError(grpc.status.PERMISSION_DENIED, 'only an admin key sees the whole fleet');
  }

  /** Registry calls: a worker or admin key (anyone, without keys). */
  requireWorker(metadata: Metadata): void {
    if (this.enabled && this.entryOf(metadata).role === 'tenant') throw new ApiError(grpc.status.PERMISSION_DENIED, 'a tenant key may not register workers');
  }

  /** The role of a key given outside gRPC (the dashboard's login); undefined for an unknown key. */
  roleOfKey(key: string): Role | undefined {
    return key.length <= 512 ? this.byHash.get(hashKey(key))?.role : undefined;
  }

  private entryOf(metadata: Metadata): ApiKeyEntry {
    const auth = metadata.get('authorization');
    const m = auth.length === 1 ? /^Bearer (\S{1,512})$/.exec(String(auth[0])) : null;
    if (!m) throw new ApiError(grpc.status.UNAUTHENTICATED, 'missing or malformed authorization metadata: send "authorization: Bearer <API key>"');
    const entry = this.byHash.get(hashKey(m[1]!));
    if (!entry) throw new ApiError(grpc.status.UNAUTHENTICATED, 'unknown API key');
    return entry;
  }
}

function tenantHeader(metadata: Metadata): string | undefined {
  const values = metadata.get(TENANT_HEADER);
  if (values.length === 0) return undefined;
  const t = String(values[0]);
  if (values.length > 1 || !TENANT.test(t)) {
    throw invalid(`${TENANT_HEADER}: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return t;
}
