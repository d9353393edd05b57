import { UAParser } from 'ua-parser-js';

/**
 * A device as a person names it, from its User-Agent string: "Chrome 131 on Windows",
 * "Safari 17 on iOS", "Firefox on Linux". The raw string stays available beside it; this is only
 * what to show first.
 */
export function deviceName(userAgent: string | null | undefined): string {
  if (!userAgent) return 'Unknown browser';
  const { browser, os } = new UAParser(userAgent).getResult();
  const app = browser.name ? [browser.name, browser.version?.split('.')[0]].filter(Boolean).join(' ') : null;
  const system = os.name ?? null;
  if (app && system) return `${app} on ${system}`;
  if (app) return app;
  if (system) return `A browser on ${system}`;
  return 'Unknown browser';
}
