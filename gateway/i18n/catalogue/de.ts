import { deCommon } from './de/common.js';
import { deEmails } from './de/emails.js';
import { dePages } from './de/pages.js';
import type { Catalogue } from './types.js';

/** de: every user-facing message, shared, pages and emails (test/unit/i18n/catalogue.test.ts keeps it complete). */
export const de: Catalogue = { ...deCommon, ...dePages, ...deEmails };
