// Every user-facing message a page or email uses must be in each language's catalogue: a missing
// key would show English in the middle of a German page. One test per language (CONTRACT §8.4).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { de } from '../../../gateway/i18n/catalogue/de.js';
import { en } from '../../../gateway/i18n/catalogue/en.js';
import { es } from '../../../gateway/i18n/catalogue/es.js';
import { fr } from '../../../gateway/i18n/catalogue/fr.js';
import type { Catalogue } from '../../../gateway/i18n/catalogue/types.js';
import { usedMessageKeys } from '../../support/i18n-keys.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const used = usedMessageKeys(ROOT);
/** English plural keys (`…_one`, `…_other`): a source key with these forms is looked up with a count. */
const plurals = new Set(Object.keys(en).filter((k) => k.endsWith('_other')).map((k) => k.slice(0, -'_other'.length)));
// CLDR plural categories each language needs (Intl.PluralRules, which i18next follows).
const FORMS: Record<string, string[]> = { de: ['one', 'other'], fr: ['one', 'many', 'other'], es: ['one', 'many', 'other'] };

function missingIn(language: string, catalogue: Catalogue): string[] {
  const missing: string[] = [];
  for (const [key, file] of used) {
    const wanted = plurals.has(key) ? FORMS[language]!.map((form) => `${key}_${form}`) : [key];
    for (const k of wanted) if (!catalogue[k]?.trim()) missing.push(`${k}  (${file})`);
  }
  return missing;
}

describe('message catalogues', () => {
  it('finds the messages the pages use', () => {
    expect(used.size).toBeGreaterThan(10);
    expect(used.has('Sign in')).toBe(true);
  });

  it('English has both plural forms of every plural message', () => {
    for (const key of plurals) expect(en[`${key}_one`], key).toBeTruthy();
  });

  for (const [language, catalogue] of Object.entries({ de, fr, es })) {
    it(`${language} has every user-facing message`, () => {
      expect(missingIn(language, catalogue)).toEqual([]);
    });

    it(`${language} keeps every {{placeholder}} of the English message`, () => {
      for (const [key, text] of Object.entries(catalogue)) {
        const base = key.replace(/_(one|many|other)$/, '');
        const english = en[key] ?? en[`${base}_other`] ?? base;
        const names = (s: string) => [...s.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).filter((n) => n !== 'count').sort();
        expect(names(text), `${language}: ${key}`).toEqual(names(english));
      }
    });
  }
});
