/**
 * A language's messages, keyed by the English text itself (gettext style: a view reads as the page
 * reads). `{{name}}` is interpolated; a count picks `key_one` / `key_other` (i18next plurals).
 */
export type Catalogue = Readonly<Record<string, string>>;
