import { describe, expect, it } from 'vitest';
import { chooseLanguage } from '../../../gateway/i18n/negotiate.js';
import { formatDateTime, validTimeZone } from '../../../gateway/i18n/time-zone.js';

describe('chooseLanguage', () => {
  it('takes the first language of Accept-Language that Recourse speaks', () => {
    expect(chooseLanguage({ acceptLanguage: 'it-IT, fr-CH;q=0.9, en;q=0.8' })).toBe('fr');
    expect(chooseLanguage({ acceptLanguage: 'de-AT' })).toBe('de');
  });

  it('ranks by q-value, not by order', () => {
    expect(chooseLanguage({ acceptLanguage: 'en;q=0.5, es;q=0.9' })).toBe('es');
    expect(chooseLanguage({ acceptLanguage: 'de;q=0, fr;q=0.1' })).toBe('fr');
  });

  it('lets the switcher cookie win, and ignores a cookie naming no language of ours', () => {
    expect(chooseLanguage({ cookie: 'es', acceptLanguage: 'de' })).toBe('es');
    expect(chooseLanguage({ cookie: 'xx', acceptLanguage: 'de' })).toBe('de');
  });

  it('falls back to English', () => {
    expect(chooseLanguage({ acceptLanguage: 'ja, *;q=0.1' })).toBe('en');
    expect(chooseLanguage({})).toBe('en');
  });
});

describe('validTimeZone', () => {
  it('keeps a real zone and turns anything else into UTC', () => {
    expect(validTimeZone('Europe/Berlin')).toBe('Europe/Berlin');
    expect(validTimeZone('Mars/Olympus')).toBe('UTC');
    expect(validTimeZone(undefined)).toBe('UTC');
  });
});

describe('formatDateTime', () => {
  const at = new Date('2026-12-07T13:05:00Z');
  it('writes the moment in the language and zone, naming the zone', () => {
    expect(formatDateTime(at, 'en', 'UTC')).toBe('7 Dec 2026, 13:05 UTC');
    expect(formatDateTime(at, 'de', 'Europe/Berlin')).toBe('7. Dez. 2026, 14:05 MEZ');
    expect(formatDateTime(at, 'fr', 'UTC')).toContain('7 déc. 2026');
  });
});
