import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { throttled, type Logger, type Route } from '@nightshift/proto';
import type { SystemView } from '../metrics/index.js';
import { DashboardAuth } from './dashboard-auth.js';
import type { FailedLogins } from './failed-logins.js';
import { originAllowed, servedOverHttps, type OriginPolicy } from './origin-check.js';

const PAGE = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');

// The page's script and style are inline; it fetches only its own state.
const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Most bytes a login form may send. */
const MAX_FORM = 4096;

export interface DashboardGuards {
  /** Where sign-in and sign-out forms may come from. */
  origins: OriginPolicy;
  failedLogins: FailedLogins;
  log: Logger;
}

/**
 * The dashboard's routes, next to /metrics: the page, the state it polls
 * (JSON, every 2 s), the sign-in that turns an admin key into a session
 * cookie, and the sign-out that ends it. Read-only: beyond its sessions,
 * nothing here changes the system.
 */
export function dashboardRoutes(view: SystemView, auth: DashboardAuth, { origins, failedLogins, log }: DashboardGuards): Record<string, Route> {
  // Session look-ups need Redis: while it is away, 503, and one warning every 10 s rather than one per poll.
  const storeDown = (err: unknown) => {
    throttled(log, 'warn', 'dashboard sessions unavailable (Redis)', { err: err instanceof Error ? err.message : String(err) });
    return { ok: false, status: 503, reason: 'sessions are unavailable (Redis does not answer): try again' } as const;
  };
  const check = (req: IncomingMessage) => auth.check(req).catch(storeDown);
  // The cookie is Secure wherever the browser reached the page over https.
  const secure = (req: IncomingMessage) => servedOverHttps(req, origins);
  return {
    '/dashboard': async (req, res) => {
      if (!allow(req, res, 'GET')) return;
      const access = await check(req);
      if (!access.ok) return loginPage(res, access.status, access.reason);
      res.writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    },
    '/dashboard/state': async (req, res) => {
      if (!allow(req, res, 'GET')) return;
      const access = await check(req);
      if (!access.ok) return json(res, access.status, { error: access.reason });
      json(res, 200, await view.snapshot());
    },
    '/dashboard/login': async (req, res) => {
      if (!allow(req, res, 'POST')) return;
      if (!originAllowed(req, origins)) return loginPage(res, 403, `sign-in refused: the form was sent from another site's page (${req.headers.origin ?? req.headers['sec-fetch-site']})`);
      const address = req.socket.remoteAddress ?? '';
      const wait = failedLogins.blockedFor(address);
      if (wait > 0) return loginPage(res, 429, `too many failed sign-ins from this address: try again in ${wait} s`, { 'retry-after': String(wait) });
      const body = await readBody(req, MAX_FORM);
      // A client that hung up mid-form is no failure of ours, and nobody is left to answer.
      if (body === 'aborted') return log.debug({ address }, 'dashboard sign-in aborted by the client');
      if (body === undefined) return loginPage(res, 413, 'that form is too large for a key');
      const key = new URLSearchParams(body).get('key')?.trim() ?? '';
      const signIn = await auth.signIn(req, key).catch(storeDown);
      if (!signIn.ok) {
        if (signIn.status !== 503 && failedLogins.fail(address)) throttled(log, 'warn', 'dashboard sign-ins refused for a while: too many failed ones from one address', { address });
        return loginPage(res, signIn.status, signIn.reason);
      }
      failedLogins.succeed(address);
      log.info({ key: signIn.name, address }, 'dashboard sign-in');
      res.writeHead(303, { ...HEADERS, location: '/dashboard', 'set-cookie': auth.cookieFor(signIn.token, secure(req)) }).end();
    },
    '/dashboard/logout': async (req, res) => {
      if (!allow(req, res, 'POST')) return;
      if (!originAllowed(req, origins)) return loginPage(res, 403, `sign-out refused: the form was sent from another site's page (${req.headers.origin ?? req.headers['sec-fetch-site']})`);
      const down = await auth.signOut(req).then(() => undefined, storeDown);
      if (down) return loginPage(res, down.status, down.reason);
      res.writeHead(303, { ...HEADERS, location: '/dashboard', 'set-cookie': DashboardAuth.clearCookie(secure(req)) }).end();
    },
  };
}

function allow(req: IncomingMessage, res: ServerResponse, method: string): boolean {
  if (req.method === method) return true;
  res.writeHead(405, { allow: method }).end();
  return false;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...HEADERS, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function loginPage(res: ServerResponse, status: number, reason: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...HEADERS, ...headers, 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nightshift — sign in</title>
<style>body{font:15px system-ui,sans-serif;background:#10141c;color:#dde3ee;display:grid;place-items:center;height:100vh;margin:0}
form{background:#192030;padding:24px 28px;border-radius:8px;min-width:340px}input{width:100%;box-sizing:border-box;padding:8px;margin:10px 0;background:#0c1018;color:#dde3ee;border:1px solid #34405a;border-radius:4px}
button{padding:8px 16px;background:#3d7bd9;color:#fff;border:0;border-radius:4px}p{color:#e8a33d;margin:0 0 8px}</style></head>
<body><form method="post" action="/dashboard/login"><h2>nightshift dashboard</h2><p id="reason">${escapeHtml(reason)}</p>
<label>Admin API key<input name="key" type="password" autocomplete="off" autofocus></label><button type="submit">Sign in</button></form></body></html>
`);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The request's body; undefined past `max` characters; 'aborted' when the client went away before its end. */
async function readBody(req: IncomingMessage, max: number): Promise<string | undefined | 'aborted'> {
  let body = '';
  try {
    for await (const chunk of req) {
      body += String(chunk);
      if (body.length > max) return undefined;
    }
  } catch {
    // The only way reading a request fails: its connection closed or reset ('aborted', ECONNRESET).
    return 'aborted';
  }
  return body;
}
