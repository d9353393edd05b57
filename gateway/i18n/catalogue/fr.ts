import { frCommon } from './fr/common.js';
import { frEmails } from './fr/emails.js';
import { frPages } from './fr/pages.js';
import type { Catalogue } from './types.js';

/** fr: every user-facing message, shared, pages and emails (test/unit/i18n/catalogue.test.ts keeps it complete). */
export const fr: Catalogue = { ...frCommon, ...frPages, ...frEmails };
