import { SignJWT } from 'jose';
import type { Clock } from '../core/clock.js';
import { randomToken } from '../security/random.js';
import type { SessionView } from '../session/store.js';
import { sessionAmr } from './amr.js';
import { groupsOf } from './headers.js';
import type { Keyring } from './keyring.js';
import { ASSERTION_ALGORITHM } from './signing-keys.js';
import { ASSERTION_LIFETIME_S } from './timing.js';

interface Cached {
  token: string;
  expMs: number;
  claims: string;
}

// Bounds memory under many sessions; an evicted assertion is only signed again.
const MAX_CACHED = 10_000;

/**
 * Signs the identity assertion an app receives (CONTRACT §8.2): ES256, `iss` the gateway's
 * public URL, `aud` the app's name, `exp` ASSERTION_LIFETIME_S after `iat`. One assertion is
 * reused for the same session and app while more than half its life is left and the claims have
 * not changed, so the proxied path signs rarely.
 */
export function createAssertionSigner(deps: { keyring: Keyring; clock: Clock; issuer: string }) {
  const cache = new Map<string, Cached>();
  const claimsOfView = new WeakMap<SessionView, { claims: Record<string, unknown>; key: string }>();

  function claimsOf(session: SessionView) {
    let entry = claimsOfView.get(session);
    if (!entry) {
      const claims = { email: session.user.email, name: session.user.name, groups: groupsOf(session), amr: sessionAmr(session) };
      claimsOfView.set(session, entry = { claims, key: `${session.user.id}\n${JSON.stringify(claims)}` });
    }
    return entry;
  }

  /** A still-young assertion for this session and app, without waiting. */
  function cached(session: SessionView, app: string): string | undefined {
    const hit = cache.get(`${session.idHash}\n${app}`);
    if (!hit || hit.claims !== claimsOf(session).key) return undefined;
    return hit.expMs - deps.clock.nowMs() > (ASSERTION_LIFETIME_S * 1000) / 2 ? hit.token : undefined;
  }

  // Requests of one session arriving together while its assertion is due wait for one signature.
  const signing = new Map<string, Promise<string>>();

  function sign(session: SessionView, app: string): Promise<string> {
    const cacheKey = `${session.idHash}\n${app}\n${claimsOf(session).key}`;
    let pending = signing.get(cacheKey);
    if (!pending) {
      signing.set(cacheKey, pending = signNow(session, app).finally(() => signing.delete(cacheKey)));
    }
    return pending;
  }

  async function signNow(session: SessionView, app: string): Promise<string> {
    const { claims, key } = claimsOf(session);
    const signer = await deps.keyring.signer();
    const iat = Math.floor(deps.clock.nowMs() / 1000);
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ASSERTION_ALGORITHM, kid: signer.kid, typ: 'JWT' })
      .setIssuer(deps.issuer)
      .setAudience(app)
      .setSubject(session.user.id)
      .setIssuedAt(iat)
      .setExpirationTime(iat + ASSERTION_LIFETIME_S)
      .setJti(randomToken(16))
      .sign(signer.key);
    const cacheKey = `${session.idHash}\n${app}`;
    cache.delete(cacheKey);
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(cacheKey, { token, expMs: (iat + ASSERTION_LIFETIME_S) * 1000, claims: key });
    return token;
  }

  return { cached, sign };
}

export type AssertionSigner = ReturnType<typeof createAssertionSigner>;
