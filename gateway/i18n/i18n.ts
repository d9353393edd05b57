import i18next, { type TFunction } from 'i18next';
import { de } from './catalogue/de.js';
import { en } from './catalogue/en.js';
import { es } from './catalogue/es.js';
import { fr } from './catalogue/fr.js';
import { DEFAULT_LANGUAGE, type Language } from './languages.js';

export type Translate = TFunction;

const instance = i18next.createInstance();
// Synchronous: the catalogues are in memory, so every translator is ready at import.
void instance.init({
  initAsync: false,
  resources: { en: { translation: en }, de: { translation: de }, fr: { translation: fr }, es: { translation: es } },
  lng: DEFAULT_LANGUAGE,
  fallbackLng: DEFAULT_LANGUAGE,
  // Keys are English sentences: their dots and colons are text, not paths or namespaces.
  keySeparator: false,
  nsSeparator: false,
  // hono/jsx and the email templates escape on output; escaping here would escape twice.
  interpolation: { escapeValue: false },
  returnNull: false,
});

const translators = new Map<Language, Translate>();

/** The message function of one language (made once per language). */
export function translatorFor(language: Language): Translate {
  let t = translators.get(language);
  if (!t) {
    t = instance.getFixedT(language);
    translators.set(language, t);
  }
  return t;
}

/** Marks a message for the catalogue where it is defined apart from where it is translated (a constant). */
export function translatable(key: string): string {
  return key;
}
