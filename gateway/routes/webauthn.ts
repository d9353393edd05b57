import { translatable } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { writeAudit } from '../audit/write.js';
import { afterEnrolment, issueBackupCodesIfNone } from '../factors/first-enrolment.js';
import { completeSecondFactor, type Verdict } from '../auth/complete-second-factor.js';
import { finishStepUp, stepUpSession } from '../auth/second-factor.js';
import { webauthnAmr } from '../identity/amr.js';
import {
  cleanKeyName, createAuthenticationOptions, createRegistrationOptions, verifyAuthentication, verifyRegistration,
  type CeremonyInput,
} from '../factors/webauthn.js';
import type { AppEnv } from '../http/env.js';
import { factorAllowed } from '../policy/engine.js';
import { completeAfterEnrolment } from '../recovery/reenrollment.js';
import type { SessionView } from '../session/store.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';
import { createRelyingPartyResolver } from './webauthn-rp.js';
import { webauthnKeyRoutes } from './webauthn-keys.js';

type ErrorStatus = 400 | 401 | 403 | 409 | 429;
/** The session allowed to go on, or the refusal to answer with. */
type Gate = SessionView | Response;
/** A ceremony's end inside its transaction: the stepped-up session (if any), or why it failed. */
type Completed = { ok: true; fresh: { cookieValue: string; expiresAt: Date } | null; codesIssued?: boolean } | { ok: false; reason: string; detail?: string };
const VERIFY_FAILED = translatable('That security key could not be verified. Try again.');

/**
 * The WebAuthn ceremonies as JSON endpoints for views/static/webauthn-ui.js: enrolment
 * (`P/enroll/webauthn/*`) and the second-factor challenge (`P/2fa/webauthn/*`), plus the key
 * management forms of the account page. Failures are logged precisely and answered generically.
 */
export function webauthnRoutes(deps: RouteDeps) {
  const { config, db, clock } = deps;
  const prefix = config.server.prefix;
  const relyingPartyFor = createRelyingPartyResolver(config, deps.isTrustedPeer);
  const app = new Hono<AppEnv>();
  const { requireSecondFactor } = createGuards(deps);

  // The message is shown by webauthn-ui.js in the page: in the reader's language.
  const refuse = (c: Context<AppEnv>, status: ErrorStatus, code: string, message: string) => c.json({ error: { code, message: c.get('t')(message) } }, status);
  const ceremony = (c: Context<AppEnv>, session: SessionView): CeremonyInput => {
    const { policy } = deps.policies.current();
    return {
      userId: session.user.id,
      sessionIdHash: session.idHash,
      rp: { ...relyingPartyFor(c), name: policy.factors.totp.issuer },
      userVerification: policy.factors.webauthn.user_verification,
    };
  };
  const webauthnAllowed = (session: SessionView) => factorAllowed(deps.policies.current().policy, 'webauthn', session.user.role, session.user.type);

  /**
   * Who may add a key: anyone before their first factor and a recovery session; afterwards only a
   * session whose second factor is at most 10 minutes old (the rule of routes/enroll.tsx).
   */
  const mayEnrol = requireSecondFactor({ fresh: true, enrolment: true, answer: 'json' });
  function enrolmentGate(c: Context<AppEnv>): Gate {
    const session = c.var.signedIn;
    if (!webauthnAllowed(session)) return refuse(c, 403, 'factor_disabled', translatable('Security keys are not enabled for your account.'));
    return session;
  }

  app.post('/enroll/webauthn/options', mayEnrol, async (c) => {
    const session = enrolmentGate(c);
    if (session instanceof Response) return session;
    const options = await createRegistrationOptions(db, clock, {
      ...ceremony(c, session), userName: session.user.email, userDisplayName: session.user.name || session.user.email,
    });
    return c.json(options);
  });

  app.post('/enroll/webauthn/verify', mayEnrol, async (c) => {
    const session = enrolmentGate(c);
    if (session instanceof Response) return session;
    const body = await jsonBody(c);
    if (!isCredentialJson(body.response)) return refuse(c, 400, 'webauthn_failed', VERIFY_FAILED);
    const stepsUp = session.authLevel < 2 || session.restricted;
    const outcome = await db.transaction(async (tx): Promise<Completed> => {
      const result = await verifyRegistration(tx, clock, {
        ...ceremony(c, session), response: body.response as RegistrationResponseJSON, name: cleanKeyName(body.name),
      });
      if (!result.ok) return result;
      await writeAudit(tx, deps.config.session.secret, {
        event: 'webauthn.enrolled', at: clock.now(), actor: { userId: session.user.id }, userId: session.user.id,
        ip: c.get('clientIp'), requestId: c.get('requestId'), details: { key: result.credential.id, name: result.credential.name, device_type: result.credential.deviceType },
      });
      const fresh = stepsUp ? await stepUpSession(deps, c, tx, session, 'webauthn', { details: { enrolled: true }, amr: webauthnAmr(result.credential) }) : null;
      const codesIssued = await issueBackupCodesIfNone(tx, deps, session.user, c.get('clientIp'), c.get('requestId'));
      // Re-enrolment: a new factor meets `enroll_second_factor`.
      await completeAfterEnrolment(tx, { serverSecret: deps.config.session.secret, userId: session.user.id, now: clock.now(), via: 'webauthn.enrolled', codesIssued, ip: c.get('clientIp'), requestId: c.get('requestId') });
      return { ok: true, fresh, codesIssued };
    });
    if (!outcome.ok) {
      c.get('log').info({ event: 'webauthn.enrol_failed', reason: outcome.reason, detail: outcome.detail }, 'security key enrolment refused');
      return outcome.reason === 'credential_exists'
        ? refuse(c, 409, 'credential_exists', translatable('This security key is already registered. Use another key.'))
        : refuse(c, 400, 'webauthn_failed', VERIFY_FAILED);
    }
    if (outcome.fresh) await finishStepUp(deps, c, session.user.id, outcome.fresh);
    deps.sessions.forgetUser(session.user.id);
    const next = deps.safeRedirect(stringField(body.rd), c.req.header('host'), `${prefix}/account`);
    return c.json({ ok: true, redirect: afterEnrolment(prefix, outcome.codesIssued === true, next) });
  });

  /**
   * Who may answer the challenge: a signed-in, non-recovery session with keys. A blocked account
   * may still ask for options; completeSecondFactor refuses its answer.
   */
  function challengeGate(c: Context<AppEnv>): Gate {
    const session = c.get('session');
    if (!session) return refuse(c, 401, 'unauthenticated', translatable('Sign in first.'));
    if (session.restricted) return refuse(c, 403, 'enrolment_required', translatable('Set up a new second factor first.'));
    if (!webauthnAllowed(session)) return refuse(c, 403, 'factor_disabled', translatable('Security keys are not enabled for your account.'));
    return session;
  }

  app.post('/2fa/webauthn/options', async (c) => {
    const session = challengeGate(c);
    if (session instanceof Response) return session;
    const outcome = await createAuthenticationOptions(db, clock, ceremony(c, session));
    if (!outcome.ok) return refuse(c, 400, 'no_security_key', translatable('There is no security key on your account.'));
    return c.json(outcome.options);
  });

  app.post('/2fa/webauthn/verify', async (c) => {
    const session = challengeGate(c);
    if (session instanceof Response) return session;
    const body = await jsonBody(c);
    const outcome = await completeSecondFactor(deps, c, {
      method: 'webauthn', session, answer: body.response ?? null,
      verify: async (tx, response): Promise<Verdict<null>> => {
        // Present but not shaped like a credential: a try all the same.
        if (!isCredentialJson(response)) return { ok: false, reason: 'malformed' };
        const result = await verifyAuthentication(tx, clock, { ...ceremony(c, session), response: response as AuthenticationResponseJSON });
        return result.ok ? { ok: true, proof: null, details: { key: result.credential.id }, amr: webauthnAmr(result.credential) } : result;
      },
    });
    if (!outcome.ok) {
      if (outcome.reason === 'restricted') return refuse(c, 403, 'enrolment_required', translatable('Set up a new second factor first.'));
      if (outcome.reason === 'blocked') return refuse(c, 429, 'too_many_attempts', translatable('Too many failed attempts. Ask for assistance to get back in.'));
      return refuse(c, 400, 'webauthn_failed', VERIFY_FAILED);
    }
    return c.json({ ok: true, redirect: deps.safeRedirect(stringField(body.rd), c.req.header('host'), '/') });
  });

  app.route('/', webauthnKeyRoutes(deps));
  return app;
}

async function jsonBody(c: Context<AppEnv>): Promise<Record<string, unknown>> {
  try {
    const body: unknown = await c.req.json();
    return body && typeof body === 'object' && !Array.isArray(body) ? body as Record<string, unknown> : {};
  } catch {
    return {};
  }
}

/** The outline every browser credential shares; the library checks the rest. */
function isCredentialJson(value: unknown): boolean {
  if (!value || typeof value !== 'object') return false;
  const credential = value as { id?: unknown; response?: unknown };
  return typeof credential.id === 'string' && !!credential.response && typeof credential.response === 'object';
}

function stringField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
