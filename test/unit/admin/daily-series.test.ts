import { describe, expect, it } from 'vitest';
import { dailySeries, dayKey } from '../../../gateway/admin/daily-series.js';

describe('dailySeries', () => {
  it('lists the last N days in the zone, oldest first, zero where nothing happened', () => {
    const now = new Date('2026-03-31T23:30:00Z');
    const series = dailySeries(now, 30, 'Europe/Berlin', {
      requests: new Map([['2026-04-01', 2], ['2026-03-10', 5]]),
      lockouts: new Map([['2026-03-03', 40]]),
    });
    expect(series).toHaveLength(30);
    // 23:30 UTC is already 1 April in Berlin (summer time).
    expect(series.at(-1)).toEqual({ day: '2026-04-01', requests: 2, lockouts: 0 });
    expect(series[0]!.day).toBe('2026-03-03');
    expect(series[0]!.lockouts).toBe(40);
    expect(series.find((point) => point.day === '2026-03-10')!.requests).toBe(5);
    expect(new Set(series.map((point) => point.day)).size).toBe(30);
  });

  it('keys a day as YYYY-MM-DD in the zone', () => {
    expect(dayKey(new Date('2026-01-01T02:00:00Z'), 'America/New_York')).toBe('2025-12-31');
    expect(dayKey(new Date('2026-01-01T02:00:00Z'), 'UTC')).toBe('2026-01-01');
  });
});
