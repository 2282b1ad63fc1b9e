import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/** A session token as the cookie carries it: 256 random bits, base64url. */
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/**
 * Dashboard sign-ins, kept in Redis so that every replica behind a load
 * balancer accepts them and a sign-out revokes one everywhere. The browser
 * holds a random token; Redis holds only the token's SHA-256 (a copy of
 * Redis opens no session), with a TTL, and as its value the SHA-256 of the
 * admin key that signed in, so that a key taken out of `auth.keys` ends its
 * sessions too.
 */
export class DashboardSessions {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  /** A new session for the admin key of this hash; its token goes in the cookie. */
  async open(keySha256: string): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.redis.set(this.redisKey(token), keySha256, 'EX', this.ttlSeconds);
    return token;
  }

  /** The hash of the key a live session signed in with; undefined for an unknown, expired or malformed token. */
  async lookup(token: string): Promise<string | undefined> {
    if (!TOKEN.test(token)) return undefined;
    return (await this.redis.get(this.redisKey(token))) ?? undefined;
  }

  async revoke(token: string): Promise<void> {
    if (TOKEN.test(token)) await this.redis.del(this.redisKey(token));
  }

  private redisKey(token: string): string {
    return `${this.prefix}:dashboard:session:${createHash('sha256').update(token).digest('hex')}`;
  }
}
