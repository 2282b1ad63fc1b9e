import type { IncomingMessage } from 'node:http';
import { hashKey, type ApiKeys } from '../auth/index.js';
import type { DashboardSessions } from './dashboard-sessions.js';

/** The cookie a browser keeps its session token in after signing in. */
export const SESSION_COOKIE = 'nightshift_session';

export type Access = { ok: true } | { ok: false; status: 401 | 403; reason: string };
export type SignIn = { ok: true; token: string; name: string } | { ok: false; status: 401 | 403; reason: string };

/**
 * Who may see the dashboard: an admin API key, sent as `authorization:
 * Bearer <key>` (scripts), or a session its sign-in opened (browsers): the
 * form POSTs the key once, and the cookie holds only a random token that
 * Redis maps to that key's hash (DashboardSessions). Keys never go in URLs
 * or cookies. Without keys configured the dashboard is open, like the rest
 * of the API.
 */
export class DashboardAuth {
  constructor(
    private readonly keys: ApiKeys,
    private readonly sessions: DashboardSessions,
    private readonly sessionSeconds: number,
  ) {}

  get open(): boolean {
    return !this.keys.enabled;
  }

  /** Rejects when Redis does not answer (a session cannot be looked up). */
  async check(req: IncomingMessage): Promise<Access> {
    if (this.open) return { ok: true };
    const key = bearer(req);
    if (key !== undefined) return this.checkKey(key);
    const token = cookie(req, SESSION_COOKIE);
    if (token === undefined) return { ok: false, status: 401, reason: 'an admin API key is needed' };
    const keyHash = await this.sessions.lookup(token);
    // A session lives only while its key is still an admin key.
    if (keyHash === undefined || this.keys.entryOfHash(keyHash)?.role !== 'admin') return { ok: false, status: 401, reason: 'this sign-in has ended (signed out, expired, or its key removed): sign in again' };
    return { ok: true };
  }

  checkKey(key: string): Access {
    const role = this.keys.roleOfKey(key);
    if (!role) return { ok: false, status: 401, reason: 'unknown API key' };
    if (role !== 'admin') return { ok: false, status: 403, reason: `a ${role} key may not see the dashboard: it shows every tenant` };
    return { ok: true };
  }

  /** A new session for an admin key, ending the one the request still carried; rejects when Redis does not answer. */
  async signIn(req: IncomingMessage, key: string): Promise<SignIn> {
    const access = this.checkKey(key);
    if (!access.ok) return access;
    await this.signOut(req);
    const keyHash = hashKey(key);
    return { ok: true, token: await this.sessions.open(keyHash), name: this.keys.entryOfHash(keyHash)?.tenant ?? '' };
  }

  /** Ends the request's session on every replica; rejects when Redis does not answer. */
  async signOut(req: IncomingMessage): Promise<void> {
    const token = cookie(req, SESSION_COOKIE);
    if (token !== undefined) await this.sessions.revoke(token);
  }

  /** Set-Cookie for a new session: only sent back to /dashboard, never readable by scripts, Secure where the page is https. */
  cookieFor(token: string, secure: boolean): string {
    return `${SESSION_COOKIE}=${token}; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=${this.sessionSeconds}${secure ? '; Secure' : ''}`;
  }

  static clearCookie(secure: boolean): string {
    return `${SESSION_COOKIE}=; Path=/dashboard; HttpOnly; SameSite=Strict; Max-Age=0${secure ? '; Secure' : ''}`;
  }
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer (\S{1,512})$/.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
