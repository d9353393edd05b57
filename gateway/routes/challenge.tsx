import { translatable, type Translate } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import { ChallengePage } from '../../views/pages/challenge.js';
import { countUnusedBackupCodes } from '../factors/backup-codes.js';
import { completeSecondFactor } from '../auth/complete-second-factor.js';
import { hasFreshSecondFactor } from '../session/freshness.js';
import { userFactors, type UserFactors } from '../factors/summary.js';
import { totpSealingKey, verifyTotpSignIn } from '../factors/totp.js';
import type { AppEnv } from '../http/env.js';
import { formText } from '../http/form.js';
import { factorAllowed } from '../policy/engine.js';
import type { SessionView } from '../session/store.js';
import type { RouteDeps } from './deps.js';
import { headerUser, redirectToEnrolment, redirectToLogin, withRd } from './second-factor-gate.js';
import { waitWords } from '../core/wait-words.js';

const INVALID_CODE = translatable('That code is not valid. Codes change every 30 seconds.');
const blockedFor = (t: Translate, ms: number) => t('Too many wrong codes for this account. Second-factor sign-in is blocked; try again in {{wait}}, or use one of the recovery options below.', { wait: waitWords(ms, t) });

/** `GET P/2fa` and `POST P/2fa/totp`: the second step of sign-in (SECURITY T1, T2, L1, S1). */
export function challengeRoutes(deps: RouteDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const key = totpSealingKey(config.session.secret);
  const app = new Hono<AppEnv>();

  type Gate = { ok: true; session: SessionView; factors: UserFactors } | { ok: false; response: Response };

  /** Only a password-only session with a factor to prove belongs here; everyone else is sent on. */
  async function gate(c: Context<AppEnv>, rd: string): Promise<Gate> {
    const status = c.req.method === 'GET' ? 302 : 303;
    const session = c.get('session');
    if (!session) return { ok: false, response: redirectToLogin(c, prefix, withRd(`${prefix}/2fa`, rd)) };
    // A recovery session may only enrol a new factor (SECURITY R3).
    if (session.restricted) return { ok: false, response: redirectToEnrolment(c, prefix, rd) };
    // SECURITY D2 re-verification: a full session whose second factor is older than 10 minutes may
    // pass it again when a page asks (`stepup=1`, or `reason=stepup`) and post the code here.
    const reverify = (c.req.method === 'POST' || c.req.query('stepup') === '1' || c.req.query('reason') === 'stepup')
      && !hasFreshSecondFactor(session, deps.clock.nowMs());
    if (session.authLevel >= 2 && !reverify) return { ok: false, response: c.redirect(rd, status) };
    const factors = await userFactors(deps.db, session.user.id);
    // A user with no second factor who meets a two_factor rule sets one up instead.
    if (!factors.any) return { ok: false, response: c.redirect(withRd(`${prefix}/enroll`, rd), status) };
    return { ok: true, session, factors };
  }

  async function page(c: Context<AppEnv>, g: { session: SessionView; factors: UserFactors }, rd: string, error: string | null, status: 200 | 400 | 401 | 429) {
    const { policy } = deps.policies.current();
    const { role, type } = g.session.user;
    const codesOffered = factorAllowed(policy, 'backup_codes', role, type);
    const backupCodes = codesOffered ? { left: await countUnusedBackupCodes(deps.db, g.session.user.id), lowThreshold: policy.factors.backup_codes.low_threshold } : null;
    return c.html(
      <ChallengePage
        prefix={prefix} csrfToken={c.get('csrfToken')} user={headerUser(g.session)} rd={rd} error={error}
        backupCodes={backupCodes}
        totp={g.factors.totp && factorAllowed(policy, 'totp', role, type)}
        webauthn={g.factors.webauthn > 0 && factorAllowed(policy, 'webauthn', role, type)}
        recovery={{
          backupCode: codesOffered,
          emailOtp: factorAllowed(policy, 'email_otp', role, type),
          assistance: policy.recovery.assistance.enabled,
        }}
      />,
      status,
    );
  }

  app.get('/2fa', async (c) => {
    const rd = deps.safeRedirect(c.req.query('rd'), c.req.header('host'), '/');
    const g = await gate(c, rd);
    if (!g.ok) return g.response;
    return page(c, g, rd, null, 200);
  });

  app.post('/2fa/totp', async (c) => {
    const form = await c.req.parseBody();
    const rd = deps.safeRedirect(formText(form.rd, 2048), c.req.header('host'), '/');
    const g = await gate(c, rd);
    if (!g.ok) return g.response;
    const { session } = g;
    const log = c.get('log');
    const { policy } = deps.policies.current();
    if (!factorAllowed(policy, 'totp', session.user.role, session.user.type)) {
      log.info({ event: 'second_factor.refused', method: 'totp', reason: 'totp_disabled' }, 'TOTP is turned off by policy');
      return page(c, g, rd, translatable('Authenticator app codes cannot be used here. Choose another way below.'), 400);
    }
    const outcome = await completeSecondFactor(deps, c, {
      method: 'totp', session, answer: formText(form.code, 32) || null,
      verify: async (tx, code) => {
        const verified = await verifyTotpSignIn(tx, key, { userId: session.user.id, code, nowMs: deps.clock.nowMs() });
        return verified.ok ? { ok: true, proof: verified, details: { step: verified.step } } : verified;
      },
    });
    if (!outcome.ok) {
      if (outcome.reason === 'restricted') return redirectToEnrolment(c, prefix, rd);
      if (outcome.reason === 'empty') return page(c, g, rd, translatable('Enter the 6-digit code from your authenticator app.'), 400);
      return outcome.reason === 'blocked' ? page(c, g, rd, blockedFor(c.get('t'), outcome.retryAfterMs), 429) : page(c, g, rd, INVALID_CODE, 401);
    }
    return c.redirect(rd, 303);
  });

  return app;
}
