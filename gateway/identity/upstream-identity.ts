import type { Database } from '../../db/client.js';
import type { Config } from '../config/schema.js';
import type { Clock } from '../core/clock.js';
import type { SessionView } from '../session/store.js';
import { createAssertionSigner } from './assertion.js';
import { identityHeaders, identityProfile, type IdentityProfile } from './headers.js';
import { createKeyring } from './keyring.js';

export type IdentityHeaders = Readonly<Record<string, string>>;

/**
 * What each app learns about the signed-in user (CONTRACT §8.2): its header names, settled once
 * per app from `apps[].identity`, and the signed assertion for apps that asked for one. Keys are
 * read lazily, so building this does no I/O.
 */
export function createUpstreamIdentity(deps: { config: Config; db: Database; clock: Clock }) {
  const own = deps.config.apps.map((app) => identityProfile(app.name, app.identity));
  // A name one app trusts is dropped from every app's requests: two apps may share an upstream.
  const strip: ReadonlySet<string> = new Set(own.flatMap((profile) => [...profile.strip]));
  const profiles = new Map(own.map((profile) => [profile.app, { ...profile, strip }]));
  const keyring = createKeyring({ db: deps.db, clock: deps.clock, serverSecret: deps.config.session.secret });
  const assertions = createAssertionSigner({ keyring, clock: deps.clock, issuer: deps.config.server.public_url });

  function profileFor(app: string): IdentityProfile {
    const profile = profiles.get(app);
    if (!profile) throw new Error(`no app named ${app}`);
    return profile;
  }

  /**
   * The headers for a session at an app, or undefined with no session. A promise only when an
   * assertion has to be signed; it rejects when no key can be read (the caller fails closed).
   */
  function headersFor(profile: IdentityProfile, session: SessionView | null): IdentityHeaders | Promise<IdentityHeaders> | undefined {
    if (!session) return undefined;
    const headers = identityHeaders(profile, session);
    const header = profile.assertionHeader;
    if (!header) return headers;
    const token = assertions.cached(session, profile.app);
    if (token) return { ...headers, [header]: token };
    return assertions.sign(session, profile.app).then((signed) => ({ ...headers, [header]: signed }));
  }

  return { profileFor, headersFor, keyring };
}

export type UpstreamIdentity = ReturnType<typeof createUpstreamIdentity>;
