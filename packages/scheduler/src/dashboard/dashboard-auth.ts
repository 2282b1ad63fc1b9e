import type { IncomingMessage } from 'node:http';
import type { ApiKeys } from '../auth/index.js';

/** The cookie a browser keeps the admin key in after logging in. */
export const KEY_COOKIE = 'nightshift_key';
const COOKIE_SECONDS = 12 * 3600;

export type Access = { ok: true } | { ok: false; status: 401 | 403; reason: string };

/**
 * Who may see the dashboard: an admin API key, sent as `authorization:
 * Bearer <key>` (scripts) or in the HttpOnly cookie that the login form
 * sets (browsers). Keys never go in URLs, where logs and history keep them.
 * Without keys configured the dashboard is open, like the rest of the API.
 */
export class DashboardAuth {
  constructor(private readonly keys: ApiKeys) {}

  get open(): boolean {
    return !this.keys.enabled;
  }

  check(req: IncomingMessage): Access {
    if (this.open) return { ok: true };
    const key = bearer(req) ?? cookie(req, KEY_COOKIE);
    return key === undefined ? { ok: false, status: 401, reason: 'an admin API key is needed' } : this.checkKey(key);
  }

  checkKey(key: string): Access {
    const role = this.keys.roleOfKey(key);
    if (!role) return { ok: false, status: 401, reason: 'unknown API key' };
    if (role !== 'admin') return { ok: false, status: 403, reason: `a ${role} key may not see the dashboard: it shows every tenant` };
    return { ok: true };
  }

  /** Set-Cookie for a key that checkKey accepted: only sent back to /dashboard, never readable by scripts. */
  static cookieFor(key: string): string {
    return `${KEY_COOKIE}=${encodeURIComponent(key)}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${COOKIE_SECONDS}`;
  }

  static clearCookie(): string {
    return `${KEY_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0`;
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer (\S{1,512})$/.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
