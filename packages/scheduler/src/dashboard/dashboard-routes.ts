import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Route } from '@nightshift/proto';
import type { SystemView } from '../metrics/index.js';
import { DashboardAuth } from './dashboard-auth.js';

const PAGE = readFileSync(new URL('./dashboard.html', import.meta.url), 'utf8');

// The page's script and style are inline; it fetches only its own state.
const HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'",
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

/** Most bytes a login form may send. */
const MAX_FORM = 4096;

/**
 * The dashboard's routes, next to /metrics: the page, the state it polls
 * (JSON, every 2 s), and the login that turns an admin key into a cookie.
 * Read-only: nothing here changes the system.
 */
export function dashboardRoutes(view: SystemView, auth: DashboardAuth): Record<string, Route> {
  return {
    '/dashboard': (req, res) => {
      if (!allow(req, res, 'GET')) return;
      const access = auth.check(req);
      if (!access.ok) return loginPage(res, access.status, access.reason);
      res.writeHead(200, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(PAGE);
    },
    '/dashboard/state': async (req, res) => {
      if (!allow(req, res, 'GET')) return;
      const access = auth.check(req);
      if (!access.ok) return json(res, access.status, { error: access.reason });
      json(res, 200, await view.snapshot());
    },
    '/dashboard/login': async (req, res) => {
      if (!allow(req, res, 'POST')) return;
      const body = await readBody(req, MAX_FORM);
      if (body === undefined) return loginPage(res, 413, 'that form is too large for a key');
      const key = new URLSearchParams(body).get('key')?.trim() ?? '';
      const access = auth.checkKey(key);
      if (!access.ok) return loginPage(res, access.status, access.reason);
      res.writeHead(303, { ...HEADERS, location: '/dashboard', 'set-cookie': DashboardAuth.cookieFor(key) }).end();
    },
    '/dashboard/logout': (req, res) => {
      if (!allow(req, res, 'POST')) return;
      res.writeHead(303, { ...HEADERS, location: '/dashboard', 'set-cookie': DashboardAuth.clearCookie() }).end();
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

function loginPage(res: ServerResponse, status: number, reason: string): void {
  res.writeHead(status, { ...HEADERS, 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html>
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

/** The request's body, or undefined past `max` characters. */
async function readBody(req: IncomingMessage, max: number): Promise<string | undefined> {
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > max) return undefined;
  }
  return body;
}
