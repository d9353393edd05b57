import { createContext, useContext } from 'hono/jsx';
import { translatorFor, type Translate } from '../gateway/i18n/i18n.js';
import { DEFAULT_LANGUAGE, type Language } from '../gateway/i18n/languages.js';
import { formatDateTime } from '../gateway/i18n/time-zone.js';

/** The viewer's language and time zone, provided around every page by gateway/http/language.tsx. */
export interface PageLanguage {
  language: Language;
  timeZone: string;
  t: Translate;
  /** The page's own path and query, where the language switcher returns to. */
  here: string;
}

export const PageLanguageContext = createContext<PageLanguage>({ language: DEFAULT_LANGUAGE, timeZone: 'UTC', t: translatorFor(DEFAULT_LANGUAGE), here: '/' });

/** The current page's language and zone (views render synchronously, so the provided value is always there). */
export function usePageLanguage(): PageLanguage {
  return useContext(PageLanguageContext);
}

/**
 * A message in the viewer's language: `t('Sign in')`, `t('Try again in {{count}} minutes.', {count})`.
 * The key is the English text; test/unit/i18n-catalogue.test.ts fails when a language lacks it.
 */
export const t: Translate = ((...args: Parameters<Translate>) => usePageLanguage().t(...args)) as Translate;

/** A date and time in the viewer's language and zone. */
export function formatWhen(at: Date): string {
  const { language, timeZone } = usePageLanguage();
  return formatDateTime(at, language, timeZone);
}
