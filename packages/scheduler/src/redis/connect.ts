import { Cluster, Redis, type RedisOptions } from 'ioredis';

/**
 * A connection to the configured Redis: the server at `url`, or, with
 * `cluster`, the Redis Cluster that node belongs to. Typed as Redis: a
 * Cluster answers the same commands, and the few places that must know
 * (pipelines, see SlotBatch) ask `isCluster`.
 */
export function connectRedis(url: string, cluster: boolean, options: RedisOptions): Redis {
  if (!cluster) return new Redis(url, options);
  const u = new URL(url);
  const { lazyConnect, ...redisOptions } = options;
  return new Cluster([{ host: u.hostname, port: Number(u.port || 6379) }], {
    redisOptions: { ...redisOptions, ...(u.password ? { password: decodeURIComponent(u.password) } : {}) },
    lazyConnect,
    // Commands that fail while slots move are retried by the cluster client, not given up at once.
    maxRedirections: 16,
  }) as unknown as Redis;
}

/**
 * A second connection like `conn` (for a blocking read or a subscription). Its errors are not logged:
 * the main connection logs an outage, and without a listener ioredis would print every error again.
 */
export function duplicateQuietly(conn: Redis): Redis {
  const dup = conn.duplicate();
  dup.on('error', () => undefined);
  return dup;
}
