/** An IANA zone name the browser reported (cookie), or UTC when absent or unknown to this Node. */
export function validTimeZone(name: string | null | undefined): string {
  if (!name || name.length > 64) return 'UTC';
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

/** `7 Dec 2026, 14:05 UTC` in the viewer's language and zone, the zone named so a time is never ambiguous. */
export function formatDateTime(at: Date, language: string, timeZone: string): string {
  // Recourse writes British English ("organisation"), and dates the British way: 7 Dec 2026, 14:05.
  const locale = language === 'en' ? 'en-GB' : language;
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone, timeZoneName: 'short' }).format(at);
}
