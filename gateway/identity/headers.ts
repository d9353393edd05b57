import { headerVariable, IDENTITY_FIELDS, type AppIdentityConfig, type IdentityField } from '../config/identity-schema.js';
import type { SessionView } from '../session/store.js';

/** One app's identity headers, settled once from its config (CONTRACT §8.2). */
export interface IdentityProfile {
  app: string;
  /** Configured names, lower-cased, as the upstream receives them. */
  names: ReadonlyArray<readonly [IdentityField, string]>;
  /** Every name a client must never send, as CGI reads it (`_` for `-`): every app's names (the default `Remote-*` are dropped anyway). */
  strip: ReadonlySet<string>;
  /** The header carrying the signed assertion, lower-cased, if the app wants one. */
  assertionHeader: string | undefined;
}

export function identityProfile(app: string, identity: AppIdentityConfig): IdentityProfile {
  const names = IDENTITY_FIELDS.filter((field) => identity.headers[field] !== '').map((field) => [field, identity.headers[field].toLowerCase()] as const);
  const assertionHeader = identity.assertion?.header.toLowerCase();
  const strip = new Set([...names.map(([, name]) => headerVariable(name)), ...(assertionHeader ? [headerVariable(assertionHeader)] : [])]);
  return { app, names, strip, assertionHeader };
}

/** Header values must be visible ASCII: control characters are dropped, anything else escaped. */
function headerSafe(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '');
  return /^[\x20-\x7e]*$/.test(clean) ? clean : encodeURIComponent(clean);
}

/** Role and user type first, then the named groups, each once. */
export function groupsOf(session: SessionView): string[] {
  const { user } = session;
  return [user.role, user.type, ...user.groups].filter((group, i, all) => all.indexOf(group) === i);
}

function fieldValue(field: IdentityField, session: SessionView): string {
  const { user } = session;
  switch (field) {
    case 'user': return user.id;
    // Users sign in with their email address: it is their user name.
    case 'username': return headerSafe(user.email);
    case 'email': return headerSafe(user.email);
    case 'name': return headerSafe(user.name);
    case 'groups': return groupsOf(session).map(headerSafe).join(',');
    case 'auth_level': return String(session.authLevel);
  }
}

// A session view is immutable and replaced when the session is re-read (at most once a second),
// so its headers are worked out once per view and app instead of on every proxied request.
const headersOfView = new WeakMap<SessionView, Map<IdentityProfile, Readonly<Record<string, string>>>>();

/** The identity headers an upstream receives for a signed-in request, under the app's names. */
export function identityHeaders(profile: IdentityProfile, session: SessionView): Readonly<Record<string, string>> {
  let perApp = headersOfView.get(session);
  if (!perApp) headersOfView.set(session, perApp = new Map());
  let headers = perApp.get(profile);
  if (!headers) {
    const built: Record<string, string> = {};
    for (const [field, name] of profile.names) built[name] = fieldValue(field, session);
    perApp.set(profile, headers = Object.freeze(built));
  }
  return headers;
}
