/** A budget period: UTC hours, days, ISO weeks or months. */
export type PeriodUnit = 'hour' | 'day' | 'week' | 'month';

export interface Period {
  /** "2026-11-23T14", "2026-11-23", "2026-W48", "2026-11". */
  id: string;
  start: number;
  end: number;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** The period that holds `at` (ms). */
export function periodOf(at: number, unit: PeriodUnit): Period {
  const d = new Date(at);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  switch (unit) {
    case 'hour': {
      const start = Date.UTC(y, m, day, d.getUTCHours());
      return { id: `${y}-${pad(m + 1)}-${pad(day)}T${pad(d.getUTCHours())}`, start, end: start + 3_600_000 };
    }
    case 'day': {
      const start = Date.UTC(y, m, day);
      return { id: `${y}-${pad(m + 1)}-${pad(day)}`, start, end: start + 86_400_000 };
    }
    case 'week': {
      // ISO week: Monday first; the week belongs to the year of its Thursday.
      const start = Date.UTC(y, m, day - ((d.getUTCDay() + 6) % 7));
      const thursday = new Date(start + 3 * 86_400_000);
      const isoYear = thursday.getUTCFullYear();
      const week = Math.floor((thursday.getTime() - Date.UTC(isoYear, 0, 1)) / (7 * 86_400_000)) + 1;
      return { id: `${isoYear}-W${pad(week)}`, start, end: start + 7 * 86_400_000 };
    }
    case 'month':
      return { id: `${y}-${pad(m + 1)}`, start: Date.UTC(y, m, 1), end: Date.UTC(y, m + 1, 1) };
  }
}

/** The period before the one that holds `at`. */
export function previousPeriod(at: number, unit: PeriodUnit): Period {
  return periodOf(periodOf(at, unit).start - 1, unit);
}
