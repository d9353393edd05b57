import type { SessionView } from '../session/store.js';

/** Header values must be visible ASCII: control characters are dropped, anything else escaped. */
function headerSafe(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : encodeURIComponent(clean);
}

/** The identity headers an upstream receives for a signed-in request (CONTRACT §4). */
export function identityHeaders(session: SessionView): Record<string, string> {
  const { user } = session;
  return {
    'remote-user': user.id,
    'remote-email': headerSafe(user.email),
    'remote-name': headerSafe(user.name),
    'remote-groups': [user.role, user.type].filter((group, i, all) => all.indexOf(group) === i).join(','),
  };
}
