import { translatable } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import { MessagePage } from '../../views/pages/message.js';
import { RecoveryCodePage } from '../../views/pages/recovery-code.js';
import { completeApprovedRequest } from '../../db/queries/admin.js';
import { completeSecondFactor } from '../auth/complete-second-factor.js';
import { writeAudit } from '../audit/write.js';
import { describeLocation } from '../context/geoip.js';
import type { AppEnv } from '../http/env.js';
import { formText } from '../http/form.js';
import { redeemRecoveryCode } from '../recovery/recovery-codes.js';
import { fireReenrollmentTrigger } from '../recovery/reenrollment.js';
import type { SessionView } from '../session/store.js';
import type { RouteDeps } from './deps.js';
import { recoveryCodeWithoutPassword } from './recovery-code-without-password.js';
import { headerUser, redirectToEnrolment, redirectToLogin, withRd } from './second-factor-gate.js';
import { waitWords } from '../core/wait-words.js';

type Ctx = Context<AppEnv>;

const GENERIC_FAILURE = translatable('That code did not work. Check it and try again, or ask your administrator for a new one.');

/**
 * `GET/POST P/2fa/recovery-code`: the user signs in with the code an administrator issued. In one
 * transaction (SECURITY F2, R1, R3): the code is spent, the user's other sessions are revoked, the
 * session becomes a restricted one that can only enrol a new factor, the request is completed and
 * every step is audited.
 */
export function recoveryCodeRoutes(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;
  const app = new Hono<AppEnv>();

  type Gate = { ok: true; session: SessionView } | { ok: false; response: Response };

  /** A password-only session belongs here; a recovery session enrols, a full one goes on. */
  function gate(c: Ctx, rd: string): Gate {
    const status = c.req.method === 'GET' ? 302 : 303;
    const session = c.get('session');
    if (!session) return { ok: false, response: redirectToLogin(c, prefix, withRd(`${prefix}/2fa/recovery-code`, rd)) };
    if (session.restricted) return { ok: false, response: redirectToEnrolment(c, prefix, rd) };
    if (session.authLevel >= 2) return { ok: false, response: c.redirect(rd, status) };
    return { ok: true, session };
  }

  const form = (c: Ctx, session: SessionView, rd: string, error: string | null, status: 200 | 400 | 401) =>
    c.html(<RecoveryCodePage prefix={prefix} csrfToken={c.get('csrfToken')} rd={rd} user={headerUser(session)} error={error} />, status);

  // completeSecondFactor has logged the block and set Retry-After.
  function tooManyAttempts(c: Ctx, retryAfterMs: number) {
    return c.html(
      <MessagePage prefix={prefix} title={translatable("Too many attempts")} message={c.get('t')('There have been too many failed attempts on this account. Try again in {{wait}}, or ask your administrator.', { wait: waitWords(retryAfterMs, c.get('t')) })} />,
      429,
    );
  }

  // Without a session: the email and the code, which also reset a forgotten password (issue 28).
  const withoutPassword = recoveryCodeWithoutPassword(deps);

  app.get('/2fa/recovery-code', (c) => {
    const rd = deps.safeRedirect(c.req.query('rd'), c.req.header('host'), '/');
    if (!c.get('session')) return withoutPassword.form(c, rd, null, 200);
    const g = gate(c, rd);
    if (!g.ok) return g.response;
    return form(c, g.session, rd, null, 200);
  });

  app.post('/2fa/recovery-code', async (c) => {
    const body = await c.req.parseBody();
    const rd = deps.safeRedirect(formText(body.rd, 2048), c.req.header('host'), '/');
    if (!c.get('session')) return withoutPassword.post(c, body, rd);
    const g = gate(c, rd);
    if (!g.ok) return g.response;
    const { session } = g;
    const userId = session.user.id;
    const log = c.get('log');
    const ip = c.get('clientIp');
    const requestId = c.get('requestId');
    const audit = () => ({ at: deps.clock.now(), actor: { userId }, userId, ip, location: describeLocation(deps.geoip.lookup(ip)), requestId });
    const outcome = await completeSecondFactor(deps, c, {
      method: 'recovery_code', session, answer: formText(body.code, 128) || null, restricted: true,
      verify: async (tx, typed) => {
        const redeemed = await redeemRecoveryCode(tx, { serverSecret: deps.config.session.secret, userId, typed, now: deps.clock.now() });
        if (!redeemed.ok) return redeemed;
        // SECURITY R3: whoever else holds a session of this account loses it now (before the step-up,
        // whose fresh session is the one that stays).
        const revoked = await deps.sessions.revokeAllForUser(tx, userId, session.idHash);
        const request = redeemed.requestId ? await completeApprovedRequest(tx, redeemed.requestId, deps.clock.now()) : undefined;
        const reference = request?.reference ?? null;
        await writeAudit(tx, deps.config.session.secret, {
          ...audit(), event: 'recovery_code.used', details: { code_id: redeemed.codeId, reference, sessions_revoked: revoked.length },
        });
        return { ok: true, proof: { reference, completed: request !== undefined, revoked: revoked.length } };
      },
      onSuccess: async (tx, used) => {
        if (used.completed) {
          await writeAudit(tx, deps.config.session.secret, { ...audit(), event: 'recovery_request.completed', details: { reference: used.reference, via: 'recovery_code' } });
        }
        // Re-enrolment: the policy's `on: recovery_code_used` rules, in this transaction (the
        // restricted session already allows nothing but enrolment).
        await fireReenrollmentTrigger(tx, deps, {
          userId, trigger: 'recovery_code_used', role: session.user.role, type: session.user.type, now: deps.clock.now(),
          actor: { userId }, ip, requestId, details: { reference: used.reference },
        });
      },
    });
    if (!outcome.ok) {
      if (outcome.reason === 'restricted') return redirectToEnrolment(c, prefix, rd);
      if (outcome.reason === 'empty') return form(c, session, rd, translatable('Enter the recovery code from your administrator.'), 400);
      if (outcome.reason === 'blocked') return tooManyAttempts(c, outcome.retryAfterMs);
      return form(c, session, rd, GENERIC_FAILURE, 401);
    }
    log.info({ event: 'recovery_code.used', reference: outcome.proof.reference, sessions_revoked: outcome.proof.revoked }, 'signed in with a recovery code');
    return c.redirect(withRd(`${prefix}/enroll`, rd), 303);
  });

  return app;
}
