import type { Metadata } from '@grpc/grpc-js';
import * as grpc from '@grpc/grpc-js';
import { ApiError, invalid } from './api-error.js';

export const TENANT_HEADER = 'x-nightshift-tenant';
const TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The tenant a call acts for, from its metadata (authentication will vouch for it later). */
export function tenantOf(metadata: Metadata): string {
  const values = metadata.get(TENANT_HEADER);
  if (values.length === 0) throw new ApiError(grpc.status.UNAUTHENTICATED, `missing ${TENANT_HEADER} metadata: every call acts for a tenant`);
  const t = String(values[0]);
  if (values.length > 1 || !TENANT.test(t)) {
    throw invalid(`${TENANT_HEADER}: must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
  return t;
}
