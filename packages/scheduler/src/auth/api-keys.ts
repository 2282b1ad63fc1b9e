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
  /** A worker key: the worker ids it may register, exact or with `*` for any run of id characters. */
  workers?: string[];
}

/** Who a call comes from. */
export interface Caller {
  tenant: string;
  role: Role;
  /** The key's fingerprint (the start of its hash), or `tenant:<name>` without keys: what per-key limits count by. */
  key: string;
}

/** What a registry call may do with a worker id. */
export interface WorkerAccess {
  /** Fingerprint of the key that calls ('' without keys). */
  key: string;
  /** An admin key: may deregister without the lease token. */
  admin: boolean;
  /** The id is bound to the caller's key (or the caller is an admin): results it computes may be cached. */
  proven: boolean;
}

/** A new random key, and its config entry. Keys are 256 random bits, so a plain SHA-256 keeps them safe at rest. */
export function newApiKey(tenant: string, role: Role = 'tenant', workers?: string[]): { key: string; entry: ApiKeyEntry } {
  const key = `ns_${randomBytes(32).toString('base64url')}`;
  return { key, entry: { tenant, sha256: hashKey(key), role, ...(workers ? { workers } : {}) } };
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
  private readonly workerIds = new Map<ApiKeyEntry, RegExp>();

  constructor(entries: readonly ApiKeyEntry[]) {
    this.byHash = new Map(entries.map((e) => [e.sha256.toLowerCase(), e]));
    for (const e of entries) if (e.workers?.length) this.workerIds.set(e, workerPattern(e.workers));
  }

  get enabled(): boolean {
    return this.byHash.size > 0;
  }

  /** The caller of a call, or UNAUTHENTICATED / PERMISSION_DENIED / INVALID_ARGUMENT. */
  caller(metadata: Metadata): Caller {
    const header = tenantHeader(metadata);
    if (!this.enabled) {
      if (!header) throw new ApiError(grpc.status.UNAUTHENTICATED, `missing ${TENANT_HEADER} metadata: every call acts for a tenant`);
      return { tenant: header, role: 'tenant', key: `tenant:${header}` };
    }
    const entry = this.entryOf(metadata);
    const key = fingerprint(entry);
    if (entry.role === 'admin') return { tenant: header ?? entry.tenant, role: 'admin', key };
    if (header && header !== entry.tenant) throw new ApiError(grpc.status.PERMISSION_DENIED, `this API key acts for tenant ${entry.tenant}, not ${header}`);
    return { tenant: entry.tenant, role: entry.role, key };
  }

  /** Who a job call comes from: a worker key may not call the JobService. */
  jobCaller(metadata: Metadata): Caller {
    const c = this.caller(metadata);
    if (c.role === 'worker') throw new ApiError(grpc.status.PERMISSION_DENIED, 'a worker key may only register workers');
    return c;
  }

  /** The tenant a job call acts for. */
  tenantOf(metadata: Metadata): string {
    return this.jobCaller(metadata).tenant;
  }

  /** Fleet-wide views and actions: an admin key (anyone, without keys: a development setup). */
  requireAdmin(metadata: Metadata, what = 'sees the whole fleet'): void {
    if (this.enabled && this.entryOf(metadata).role !== 'admin') throw new ApiError(grpc.status.PERMISSION_DENIED, `only an admin key ${what}`);
  }

  /**
   * Registry calls on worker `id`: an admin key, or a worker key bound to the id (its `workers`).
   * Without keys anyone may, but nothing such a worker computes counts as proven.
   */
  workerAccess(metadata: Metadata, id: string): WorkerAccess {
    if (!this.enabled) return { key: '', admin: false, proven: false };
    const entry = this.entryOf(metadata);
    if (entry.role === 'tenant') throw new ApiError(grpc.status.PERMISSION_DENIED, 'a tenant key may not register workers');
    if (entry.role === 'admin') return { key: fingerprint(entry), admin: true, proven: true };
    if (!this.workerIds.get(entry)?.test(id)) {
      throw new ApiError(grpc.status.PERMISSION_DENIED, `worker key ${entry.tenant} is not bound to worker id ${id} (its auth.keys entry lists the ids it may use in "workers")`);
    }
    return { key: fingerprint(entry), admin: false, proven: true };
  }

  /** The role of a key given outside gRPC (the dashboard's login); undefined for an unknown key. */
  roleOfKey(key: string): Role | undefined {
    return key.length <= 512 ? this.byHash.get(hashKey(key))?.role : undefined;
  }

  /** The configured key of this SHA-256 (hex), if it is still one: a dashboard session names its key by hash. */
  entryOfHash(sha256: string): ApiKeyEntry | undefined {
    return this.byHash.get(sha256.toLowerCase());
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

/** A key's name in Redis and in limits: 16 hex digits of its hash, enough to tell keys apart and useless to an attacker. */
function fingerprint(entry: ApiKeyEntry): string {
  return entry.sha256.slice(0, 16).toLowerCase();
}

/** One regular expression for a key's worker ids: exact, or `*` for any run of id characters. */
function workerPattern(ids: readonly string[]): RegExp {
  const one = (id: string) => id.split('*').map((part) => part.replace(/[.]/g, '\\.')).join('[A-Za-z0-9._-]*');
  return new RegExp(`^(?:${ids.map(one).join('|')})$`);
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
