import { fromTimestamp } from '@nightshift/proto';

type Ts = Parameters<typeof fromTimestamp>[0];

/** `JOB_STATE_QUEUED` or `BATCH_STATE_QUEUED` as the commands take and print it: `queued`. */
export const state = (s: string) => s.replace(/^(JOB|BATCH)_STATE_/, '').toLowerCase();
/** An ISO time, or null when unset (a zero Timestamp is unset too): for JSON. */
export const isoOrNull = (ts: Ts) => {
  const ms = ts ? fromTimestamp(ts) : 0;
  return ms > 0 ? new Date(ms).toISOString() : null;
};
export const iso = (ts: Ts) => isoOrNull(ts) ?? '';
export const usd = (v: number) => `$${v >= 1 ? v.toFixed(2) : v.toPrecision(3)}`;

/** A duration for people: 45s, 3m20s, 2h05m, 3d4h. */
export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  return `${Math.floor(s / 86_400)}d${Math.floor((s % 86_400) / 3600)}h`;
}
