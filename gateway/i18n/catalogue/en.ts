import type { Catalogue } from './types.js';

/** English needs only its plural forms: every other key is its own English text. */
export const en: Catalogue = {
  "Too many failed sign-in attempts. Try again in {{count}} minutes._one": "Too many failed sign-in attempts. Try again in {{count}} minute.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._other": "Too many failed sign-in attempts. Try again in {{count}} minutes.",
};
