import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';

export interface OriginPolicy {
  /** Origins besides the port's own (dashboard.allowedOrigins, normalized). */
  allowed: ReadonlySet<string>;
  /** The page is served as https by a proxy in front of a plain port (dashboard.secureCookies). */
  httpsByProxy: boolean;
}

/** Whether the browser reached the page over https: this port's TLS, or a proxy's in front of it. */
export function servedOverHttps(req: IncomingMessage, policy: OriginPolicy): boolean {
  return (req.socket as Partial<TLSSocket>).encrypted === true || policy.httpsByProxy;
}

/** The page's own origin as the browser sees it: the port's scheme and the Host header. */
export function ownOrigin(req: IncomingMessage, policy: OriginPolicy): string | undefined {
  const host = req.headers.host;
  if (!host) return undefined;
  return `${servedOverHttps(req, policy) ? 'https' : 'http'}://${host.toLowerCase()}`;
}

/**
 * Whether a state-changing request (sign-in, sign-out) may come from where it
 * says it does. Browsers send Origin on every POST, so a page of another site
 * (or a sandboxed one, "null") is refused. A request without Origin is no
 * browser acting for a page (curl, a script): it carries only the cookies its
 * sender chose to send, so it cannot be forged against someone else's
 * session. Sec-Fetch-Site, where a browser sends it, must agree.
 */
export function originAllowed(req: IncomingMessage, policy: OriginPolicy): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) {
    const site = req.headers['sec-fetch-site'];
    return site === undefined || site === 'same-origin' || site === 'none';
  }
  const o = origin.toLowerCase();
  return policy.allowed.has(o) || o === ownOrigin(req, policy);
}
