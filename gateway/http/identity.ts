import type { SessionView } from '../session/store.js';

/** Header values must be visible ASCII: control characters are dropped, anything else escaped. */
function headerSafe(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : encodeURIComponent(clean);
}

// A session view is immutable and replaced when the session is re-read (at most once a second),
// so its headers are worked out once per view instead of on every proxied request.
const headersOfView = new WeakMap<SessionView, Readonly<Record<string, string>>>();

/** The identity headers an upstream receives for a signed-in request (CONTRACT §4). */
export function identityHeaders(session: SessionView): Readonly<Record<string, string>> {
  let headers = headersOfView.get(session);
  if (!headers) {
    headers = Object.freeze(buildIdentityHeaders(session));
    headersOfView.set(session, headers);
  }
  return headers;
}

function buildIdentityHeaders(session: SessionView): Record<string, string> {
  const { user } = session;
  return {
    'remote-user': user.id,
    'remote-email': headerSafe(user.email),
    'remote-name': headerSafe(user.name),
    'remote-groups': [user.role, user.type, ...user.groups].filter((group, i, all) => all.indexOf(group) === i).map(headerSafe).join(','),
  };
}
