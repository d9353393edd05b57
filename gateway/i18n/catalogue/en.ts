import type { Catalogue } from './types.js';

/** English needs only its plural forms: every other key is its own English text. */
export const en: Catalogue = {
  "Too many failed sign-in attempts. Try again in {{count}} minutes._one": "Too many failed sign-in attempts. Try again in {{count}} minute.",
  "Too many failed sign-in attempts. Try again in {{count}} minutes._other": "Too many failed sign-in attempts. Try again in {{count}} minutes.",
  "{{count}} backup codes left_one": "{{count}} backup code left",
  "{{count}} backup codes left_other": "{{count}} backup codes left",
  "You have {{count}} backup codes left._one": "You have {{count}} backup code left.",
  "You have {{count}} backup codes left._other": "You have {{count}} backup codes left.",
  "It expires in {{count}} minutes and works once._one": "It expires in {{count}} minute and works once.",
  "It expires in {{count}} minutes and works once._other": "It expires in {{count}} minutes and works once.",
  "{{product}}: a backup code was used; {{count}} left_one": "{{product}}: a backup code was used; {{count}} left",
  "{{product}}: a backup code was used; {{count}} left_other": "{{product}}: a backup code was used; {{count}} left",
  "You have {{count}} unused backup codes left._one": "You have {{count}} unused backup code left.",
  "You have {{count}} unused backup codes left._other": "You have {{count}} unused backup codes left.",
  "The link works once and expires in {{count}} days; ask your administrator for a new one after that._one": "The link works once and expires in {{count}} day; ask your administrator for a new one after that.",
  "The link works once and expires in {{count}} days; ask your administrator for a new one after that._other": "The link works once and expires in {{count}} days; ask your administrator for a new one after that.",
  "{{count}} minutes_one": "{{count}} minute",
  "{{count}} minutes_other": "{{count}} minutes",
  "{{count}} seconds_one": "{{count}} second",
  "{{count}} seconds_other": "{{count}} seconds",
  "{{count}} hours_one": "{{count}} hour",
  "{{count}} hours_other": "{{count}} hours",
  "{{count}} days_one": "{{count}} day",
  "{{count}} days_other": "{{count}} days",
};
