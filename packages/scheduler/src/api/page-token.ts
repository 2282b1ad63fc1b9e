import { invalid } from './api-error.js';

/** Page tokens are opaque to callers: the (index score, id) of the last job of a page. */
export function encodePageToken(after: { score: number; id: string }): string {
  return Buffer.from(JSON.stringify([after.score, after.id])).toString('base64url');
}

export function decodePageToken(token: string): { score: number; id: string } {
  try {
    const [score, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as unknown[];
    if (typeof score === 'number' && Number.isFinite(score) && typeof id === 'string' && id.length <= 64) return { score, id };
  } catch {
    // fall through
  }
  throw invalid('page_token: not a token from a previous ListJobs reply');
}
