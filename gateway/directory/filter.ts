import { Filter } from 'ldapts';

/**
 * Puts a value into a filter template in place of `{name}`, escaped as RFC 4515 §3 requires
 * (`*`, `(`, `)`, `\` and NUL as `\2a`, `\28`, `\29`, `\5c`, `\00`), so what a user types can
 * only ever be a value, never a wildcard or a new clause.
 */
export function fillFilter(template: string, name: 'input' | 'dn', value: string): string {
  return template.replaceAll(`{${name}}`, Filter.escape(value));
}

/**
 * The template with `{name}` as `*`: an equality assertion becomes a presence test, so the
 * sign-in filter also lists every user (sync, refresh) and the groups filter every group with members.
 */
export function listingFilter(template: string, name: 'input' | 'dn'): string {
  return template.replaceAll(`{${name}}`, '*');
}
