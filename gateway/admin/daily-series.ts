/**
 * The last N calendar days in a time zone, oldest first, each with its counts (zero when none):
 * what the overview's chart draws. Pure: the day keys match `to_char(… at time zone tz,
 * 'YYYY-MM-DD')` in db/queries/daily-counts.ts.
 */
export interface DayPoint {
  day: string;
  requests: number;
  lockouts: number;
}

const DAY_MS = 86_400_000;

export function dayKey(at: Date, timeZone: string): string {
  // en-CA formats a date as YYYY-MM-DD.
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/** The first instant worth counting: a day more than N days back, so no zone offset cuts day one short. */
export function seriesStart(now: Date, days: number): Date {
  return new Date(now.getTime() - (days + 1) * DAY_MS);
}

export function dailySeries(now: Date, days: number, timeZone: string, counts: { requests: Map<string, number>; lockouts: Map<string, number> }): DayPoint[] {
  const keys: string[] = [];
  // Noon-anchored steps back from today: a day of 23 or 25 hours never skips or repeats a date.
  const today = dayKey(now, timeZone);
  for (let back = 0; keys.length < days; back++) {
    const key = dayKey(new Date(now.getTime() - back * DAY_MS), timeZone);
    if (keys.at(-1) !== key && (keys.length > 0 || key === today)) keys.push(key);
  }
  return keys.reverse().map((day) => ({ day, requests: counts.requests.get(day) ?? 0, lockouts: counts.lockouts.get(day) ?? 0 }));
}
