import { translatorFor, type Translate } from '../i18n/i18n.js';

const ENGLISH = translatorFor('en');

/**
 * How long to wait, in words a person reads on a refusal page: "40 seconds", "5 minutes",
 * "2 hours", in the page's language. Rounded up, so nobody comes back a moment too early.
 */
export function waitWords(ms: number, t: Translate = ENGLISH): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 60) return t('{{count}} seconds', { count: seconds });
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 60) return t('{{count}} minutes', { count: minutes });
  const hours = Math.ceil(minutes / 60);
  if (hours < 24) return t('{{count}} hours', { count: hours });
  return t('{{count}} days', { count: Math.ceil(hours / 24) });
}
