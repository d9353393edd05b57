import { esCommon } from './es/common.js';
import { esEmails } from './es/emails.js';
import { esPages } from './es/pages.js';
import type { Catalogue } from './types.js';

/** es: every user-facing message, shared, pages and emails (test/unit/i18n/catalogue.test.ts keeps it complete). */
export const es: Catalogue = { ...esCommon, ...esPages, ...esEmails };
