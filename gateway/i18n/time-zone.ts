/** An IANA zone name the browser reported (cookie), or UTC when absent or unknown to this Node. */
export function validTimeZone(name: string | null | undefined): string {
  if (!name || name.length > 64) return 'UTC';
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return 'UTC';
  }
}

/** `7 Dec 2026, 14:05` in the viewer's language and zone, with the zone named when it is UTC. */
export function formatDateTime(at: Date, language: string, timeZone: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'short', timeZone, ...(timeZone === 'UTC' ? { timeZoneName: 'short' } : {}) }).format(at);
}
