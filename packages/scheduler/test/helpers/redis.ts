import { randomBytes } from 'node:crypto';
import { dropPrefix as drop } from '@nightshift/devtools';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix of this test run's own, so that runs never see each other's queues. */
export function testPrefix(name: string): string {
  return `nstest-${name}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

export function dropPrefix(prefix: string): Promise<void> {
  return drop(REDIS_URL, prefix);
}
