/**
 * Calendar boundaries in an IANA time zone ("today", "this month" in statistics), as UTC instants.
 * Pure: the instant to start from is passed in, never read from the system clock.
 */

export interface Period {
  /** First instant of the period (inclusive). */
  start: Date;
  /** First instant of the next period (exclusive). */
  end: Date;
}

interface LocalDate { year: number; month: number; day: number }

// Offsets in use today stay within ±14 h, and no zone has moved its clock by more than 24 h.
const SEARCH_WINDOW_MS = 26 * 3_600_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock reading in `timeZone` at `ms`, as if that reading were UTC (milliseconds). */
function wallClockMs(ms: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(ms))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
}

function localDateOf(ms: number, timeZone: string): LocalDate {
  const wall = new Date(wallClockMs(ms, timeZone));
  return { year: wall.getUTCFullYear(), month: wall.getUTCMonth() + 1, day: wall.getUTCDate() };
}

function dayNumber(date: LocalDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / 86_400_000;
}

/**
 * The first instant whose local date is `date` or later. Usually local midnight; where a DST
 * change skips midnight (America/Santiago, for one) it is the first wall-clock time after the gap.
 */
function startOfLocalDate(date: LocalDate, timeZone: string): number {
  const target = dayNumber(date);
  const reached = (ms: number) => dayNumber(localDateOf(ms, timeZone)) >= target;
  // Local midnight read as UTC, shifted by the zone's offset found near it (twice, to settle across a change).
  const midnightAsUtc = target * 86_400_000;
  let guess = midnightAsUtc - (wallClockMs(midnightAsUtc, timeZone) - midnightAsUtc);
  guess = midnightAsUtc - (wallClockMs(guess, timeZone) - guess);
  if (reached(guess) && !reached(guess - 1)) return guess;
  // Binary search for the first instant of the day; whole seconds suffice for tz data.
  let low = Math.floor((guess - SEARCH_WINDOW_MS) / 1000);
  let high = Math.ceil((guess + SEARCH_WINDOW_MS) / 1000);
  while (low < high) {
    const mid = Math.floor((low + high) / 2);
    if (reached(mid * 1000)) high = mid;
    else low = mid + 1;
  }
  return low * 1000;
}

function shiftDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** The local day containing `at` in `timeZone`. */
export function localDay(at: Date, timeZone: string): Period {
  const today = localDateOf(at.getTime(), timeZone);
  return {
    start: new Date(startOfLocalDate(today, timeZone)),
    end: new Date(startOfLocalDate(shiftDays(today, 1), timeZone)),
  };
}

/** The local calendar month containing `at` in `timeZone`. */
export function localMonth(at: Date, timeZone: string): Period {
  const { year, month } = localDateOf(at.getTime(), timeZone);
  const next = month === 12 ? { year: year + 1, month: 1, day: 1 } : { year, month: month + 1, day: 1 };
  return {
    start: new Date(startOfLocalDate({ year, month, day: 1 }, timeZone)),
    end: new Date(startOfLocalDate(next, timeZone)),
  };
}
