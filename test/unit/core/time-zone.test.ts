import { describe, expect, it } from 'vitest';
import { localDay, localMonth } from '../../../gateway/core/time-zone.js';

const iso = (period: { start: Date; end: Date }) => [period.start.toISOString(), period.end.toISOString()];

describe('localDay', () => {
  it('is the UTC day in UTC', () => {
    expect(iso(localDay(new Date('2026-03-01T00:00:00Z'), 'UTC'))).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
    expect(iso(localDay(new Date('2026-03-01T23:59:59.999Z'), 'UTC'))).toEqual(['2026-03-01T00:00:00.000Z', '2026-03-02T00:00:00.000Z']);
  });

  it('follows the local date, not the UTC date, around midnight in Berlin (UTC+1 in winter)', () => {
    // 23:30 UTC on 28 February is already 00:30 on 1 March in Berlin.
    expect(iso(localDay(new Date('2026-02-28T23:30:00Z'), 'Europe/Berlin'))).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-01T23:00:00.000Z']);
    expect(iso(localDay(new Date('2026-02-28T22:59:59Z'), 'Europe/Berlin'))).toEqual(['2026-02-27T23:00:00.000Z', '2026-02-28T23:00:00.000Z']);
  });

  it('has 23 hours on the spring-forward day and 25 on the fall-back day (Berlin)', () => {
    const spring = localDay(new Date('2026-03-29T12:00:00Z'), 'Europe/Berlin');
    expect(iso(spring)).toEqual(['2026-03-28T23:00:00.000Z', '2026-03-29T22:00:00.000Z']);
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
    const autumn = localDay(new Date('2026-10-25T12:00:00Z'), 'Europe/Berlin');
    expect(iso(autumn)).toEqual(['2026-10-24T22:00:00.000Z', '2026-10-25T23:00:00.000Z']);
    expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * 3_600_000);
  });

  it('handles New York across its DST changes (UTC−5 / UTC−4)', () => {
    expect(iso(localDay(new Date('2026-03-08T12:00:00Z'), 'America/New_York'))).toEqual(['2026-03-08T05:00:00.000Z', '2026-03-09T04:00:00.000Z']);
    expect(iso(localDay(new Date('2026-11-01T12:00:00Z'), 'America/New_York'))).toEqual(['2026-11-01T04:00:00.000Z', '2026-11-02T05:00:00.000Z']);
    // 03:00 UTC on 1 November is still 31 October (23:00 EDT) in New York.
    expect(iso(localDay(new Date('2026-11-01T03:00:00Z'), 'America/New_York'))).toEqual(['2026-10-31T04:00:00.000Z', '2026-11-01T04:00:00.000Z']);
  });

  it('starts the day after the gap where DST skips midnight (Santiago, 2022-09-11)', () => {
    // Clocks went from 00:00 −04 straight to 01:00 −03: the day began at 01:00 local = 04:00 UTC.
    expect(iso(localDay(new Date('2022-09-11T12:00:00Z'), 'America/Santiago'))).toEqual(['2022-09-11T04:00:00.000Z', '2022-09-12T03:00:00.000Z']);
  });

  it('works east of UTC by more than half a day (Kiritimati, UTC+14)', () => {
    expect(iso(localDay(new Date('2026-01-01T09:59:59Z'), 'Pacific/Kiritimati'))).toEqual(['2025-12-31T10:00:00.000Z', '2026-01-01T10:00:00.000Z']);
  });
});

describe('localMonth', () => {
  it('is the local calendar month in Berlin at a month boundary', () => {
    expect(iso(localMonth(new Date('2026-02-28T23:30:00Z'), 'Europe/Berlin'))).toEqual(['2026-02-28T23:00:00.000Z', '2026-03-31T22:00:00.000Z']);
    expect(iso(localMonth(new Date('2026-02-28T22:30:00Z'), 'Europe/Berlin'))).toEqual(['2026-01-31T23:00:00.000Z', '2026-02-28T23:00:00.000Z']);
  });

  it('crosses the year in New York', () => {
    expect(iso(localMonth(new Date('2027-01-01T04:59:59Z'), 'America/New_York'))).toEqual(['2026-12-01T05:00:00.000Z', '2027-01-01T05:00:00.000Z']);
    expect(iso(localMonth(new Date('2027-01-01T05:00:00Z'), 'America/New_York'))).toEqual(['2027-01-01T05:00:00.000Z', '2027-02-01T05:00:00.000Z']);
  });

  it('spans a DST change inside the month (New York, March)', () => {
    const march = localMonth(new Date('2026-03-15T12:00:00Z'), 'America/New_York');
    expect(iso(march)).toEqual(['2026-03-01T05:00:00.000Z', '2026-04-01T04:00:00.000Z']);
  });
});
