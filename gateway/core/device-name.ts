import { UAParser } from 'ua-parser-js';

/**
 * A device as a person names it, from its User-Agent string: "Chrome 131 on Windows",
 * "Safari 17 on iOS", "Firefox on Linux". The raw string stays available beside it; this is only
 * what to show first.
 */
export function deviceName(userAgent: string | null | undefined, t: DeviceWords = english): string {
  if (!userAgent) return t('Unknown browser');
  const { browser, os } = new UAParser(userAgent).getResult();
  const app = browser.name ? [browser.name, browser.version?.split('.')[0]].filter(Boolean).join(' ') : null;
  const system = os.name ?? null;
  if (app && system) return t('{{app}} on {{system}}', { app, system });
  if (app) return app;
  if (system) return t('A browser on {{system}}', { system });
  return t('Unknown browser');
}

/** The page's translator (`c.var.t`); product and system names stay as they are. */
export type DeviceWords = (key: string, values?: Record<string, string>) => string;

const english: DeviceWords = (key, values = {}) => key.replace(/\{\{(\w+)\}\}/g, (_, name: string) => values[name] ?? '');
