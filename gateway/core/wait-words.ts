/**
 * How long to wait, in words a person reads on a refusal page: "40 seconds", "5 minutes",
 * "2 hours". Rounded up, so nobody comes back a moment too early.
 */
export function waitWords(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return plural(seconds, 'second');
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return plural(minutes, 'minute');
  const hours = Math.ceil(minutes / 60);
  if (hours < 24) return plural(hours, 'hour');
  return plural(Math.ceil(hours / 24), 'day');
}

function plural(count: number, unit: string): string {
  return `${count} ${unit}${count === 1 ? '' : 's'}`;
}
