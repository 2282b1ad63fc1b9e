import { readFileSync } from 'node:fs';
import type { ServerOptions as HttpsServerOptions } from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { z } from 'zod';

/**
 * TLS for a gRPC server: its certificate and key (PEM files). With
 * `clientCa`, clients must present a certificate that CA signed (mutual
 * TLS); without it, any client may connect and is told apart by other means
 * (API keys). Unset: plaintext, for loopback and development.
 */
export const serverTlsSchema = z
  .object({
    cert: z.string().min(1),
    key: z.string().min(1),
    clientCa: z.string().min(1).optional(),
  })
  .optional();

/** TLS for a gRPC client: the CA that signed the server's certificate, and, for mutual TLS, its own certificate and key. */
export const clientTlsSchema = z
  .object({
    ca: z.string().min(1),
    cert: z.string().min(1).optional(),
    key: z.string().min(1).optional(),
  })
  .refine((t) => !t.cert === !t.key, 'cert and key go together')
  .optional();

export type ServerTls = z.output<typeof serverTlsSchema>;
export type ClientTls = z.output<typeof clientTlsSchema>;

export function serverCredentials(tls: ServerTls): grpc.ServerCredentials {
  if (!tls) return grpc.ServerCredentials.createInsecure();
  return grpc.ServerCredentials.createSsl(
    tls.clientCa ? readFileSync(tls.clientCa) : null,
    [{ cert_chain: readFileSync(tls.cert), private_key: readFileSync(tls.key) }],
    Boolean(tls.clientCa),
  );
}

export function channelCredentials(tls: ClientTls): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  return grpc.credentials.createSsl(readFileSync(tls.ca), tls.key ? readFileSync(tls.key) : null, tls.cert ? readFileSync(tls.cert) : null);
}

/** The same settings for an HTTPS server (the metrics port): with clientCa, clients must present a certificate that CA signed. */
export function httpsServerOptions(tls: NonNullable<ServerTls>): HttpsServerOptions {
  return {
    cert: readFileSync(tls.cert),
    key: readFileSync(tls.key),
    ...(tls.clientCa ? { ca: readFileSync(tls.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
  };
}
