/**
 * Email one-time codes as a recovery way in (CONTRACT §4: `POST P/2fa/email-otp/send`,
 * `POST P/2fa/email-otp`; SECURITY E1–E3). A password-only session asks for a code, which goes to
 * the registered address through the outbox, and steps up with it once.
 */
import { translatable } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import type { Logger } from 'pino';
import { EmailOtpPage, type EmailOtpPageState } from '../../views/pages/email-otp.js';
import { MessagePage } from '../../views/pages/message.js';
import { hasLiveEmailOtp, outboxDeliveryOf } from '../../db/queries/email-otps.js';
import { writeAudit } from '../audit/write.js';
import { completeSecondFactor } from '../auth/complete-second-factor.js';
import { enqueueEmail } from '../delivery/outbox.js';
import { emailOtpEmail } from '../delivery/templates/index.js';
import {
  checkEmailOtp,
  EMAIL_OTP_TRIGGER,
  emailOtpKey,
  emailOtpSettings,
  issueEmailOtp,
  maskEmailAddress,
  normaliseEmailOtpInput,
  ttlMinutes,
  type EmailOtpSettings,
} from '../factors/email-otp.js';
import type { AppEnv } from '../http/env.js';
import { formText } from '../http/form.js';
import { factorAllowed } from '../policy/engine.js';
import { fireReenrollmentTrigger } from '../recovery/reenrollment.js';
import type { SessionView } from '../session/store.js';
import type { RouteDeps } from './deps.js';
import { headerUser, redirectToEnrolment, redirectToLogin } from './second-factor-gate.js';
import { refuseFor } from '../http/retry-after.js';
import { waitWords } from '../core/wait-words.js';

const WRONG_CODE = translatable('That code did not work. Check the email and try again, or send a new code.');
const MALFORMED_CODE = translatable('Enter the code from the email: digits only.');
const SEND_LIMITED = translatable('Too many codes requested.');
const VERIFY_LIMITED = translatable('Too many failed attempts.');
// How long the page waits for the worker's first try. A hung mail server must not hang the page:
// past this the user is told the email is on its way, and the worker keeps trying.
const DELIVERY_WAIT_MS = 5_000;

type Attempt = { ok: true; session: SessionView; settings: EmailOtpSettings } | { ok: false; response: Response | Promise<Response> };

export function emailOtpRoutes(deps: RouteDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const key = emailOtpKey(config.session.secret);
  const app = new Hono<AppEnv>();

  /**
   * The guard ladder every route shares: the factor is on (else there is no such page), a
   * password-only session exists, and the user's role or type may use it.
   */
  function signInAttempt(c: Context<AppEnv>, rd: string): Attempt {
    const { policy } = deps.policies.current();
    const log = c.get('log');
    const notFound = () => c.html(<MessagePage prefix={prefix} title={translatable("Not found")} message={translatable("There is no page at this address.")} />, 404);
    if (!policy.factors.email_otp.enabled) return { ok: false, response: notFound() };
    const session = c.get('session');
    if (!session) return { ok: false, response: redirectToLogin(c, prefix, rd) };
    if (session.authLevel >= 2 || session.restricted) return { ok: false, response: c.redirect(rd, c.req.method === 'GET' ? 302 : 303) };
    if (!factorAllowed(policy, 'email_otp', session.user.role, session.user.type)) {
      log.info({ event: 'email_otp.refused', reason: 'role_not_allowed', role: session.user.role, type: session.user.type }, 'email code not offered to this user');
      return { ok: false, response: notFound() };
    }
    return { ok: true, session, settings: emailOtpSettings(policy) };
  }

  function page(c: Context<AppEnv>, attempt: { session: SessionView; settings: EmailOtpSettings }, rd: string, state: EmailOtpPageState, error: string | null, status: 200 | 400 | 401 | 429) {
    return c.html(
      <EmailOtpPage prefix={prefix} csrfToken={c.get('csrfToken')} rd={rd} state={state} error={error}
        maskedEmail={maskEmailAddress(attempt.session.user.email)} digits={attempt.settings.length}
        ttlMinutes={ttlMinutes(attempt.settings)} user={headerUser(attempt.session)} />,
      status,
    );
  }

  async function liveState(attempt: { session: SessionView; settings: EmailOtpSettings }): Promise<EmailOtpPageState> {
    const live = await hasLiveEmailOtp(deps.db, attempt.session.user.id, attempt.session.idHash, deps.clock.now(), attempt.settings.maxAttempts);
    return live ? 'waiting' : 'ask';
  }

  // Shown again on reload (and from the challenge page's link) without sending anything.
  app.get('/2fa/email-otp', async (c) => {
    const rd = deps.safeRedirect(c.req.query('rd'), c.req.header('host'), '/');
    const attempt = signInAttempt(c, rd);
    if (!attempt.ok) return attempt.response;
    return page(c, attempt, rd, await liveState(attempt), null, 200);
  });

  app.post('/2fa/email-otp/send', async (c) => {
    const form = await c.req.parseBody();
    const rd = deps.safeRedirect(formText(form.rd, 2048), c.req.header('host'), '/');
    const attempt = signInAttempt(c, rd);
    if (!attempt.ok) return attempt.response;
    const { session, settings } = attempt;
    const log = c.get('log');
    const ip = c.get('clientIp');

    // The policy names one rate (`per_user`); it applies per IP as well, so one address cannot
    // mail-bomb many accounts faster than one account may ask for codes.
    const rate = deps.policies.current().policy.rate_limits.email_otp_send.per_user;
    const byUser = await deps.limits.consume('email_otp_send_user', session.user.id, rate);
    const limited = byUser.ok ? await deps.limits.consume('email_otp_send_ip', ip, rate) : byUser;
    if (!limited.ok) {
      log.info({ event: 'email_otp.send_limited', scope: byUser.ok ? 'ip' : 'user', retryAfterMs: limited.retryAfterMs }, 'email code not sent: rate limit');
      return page(c, attempt, rd, await liveState(attempt), `${c.get('t')(SEND_LIMITED)} ${refuseFor(c, limited.retryAfterMs)}`, 429);
    }

    const now = deps.clock.now();
    const sent = await deps.db.transaction(async (tx) => {
      const issued = await issueEmailOtp(tx, key, { userId: session.user.id, sessionIdHash: session.idHash, settings, now });
      const email = emailOtpEmail({ name: session.user.name, language: c.get('language'), code: issued.code, ttlMinutes: ttlMinutes(settings) });
      const messageId = await enqueueEmail(tx, deps.config.session.secret, { kind: 'email_otp', to: session.user.email, email, userId: session.user.id }, now);
      await writeAudit(tx, deps.config.session.secret, {
        event: 'email_otp.sent', at: now, actor: { userId: session.user.id }, userId: session.user.id, ip, requestId: c.get('requestId'),
        details: { message: messageId, expires_at: issued.expiresAt.toISOString(), voided_previous: issued.voided },
      });
      return { messageId, voided: issued.voided };
    });
    const state = await awaitDelivery(deps, sent.messageId, log);
    log.info({ event: 'email_otp.sent', message: sent.messageId, delivery: state, voidedPrevious: sent.voided }, 'email code issued');
    return page(c, attempt, rd, state, null, 200);
  });

  app.post('/2fa/email-otp', async (c) => {
    const form = await c.req.parseBody();
    const rd = deps.safeRedirect(formText(form.rd, 2048), c.req.header('host'), '/');
    const attempt = signInAttempt(c, rd);
    if (!attempt.ok) return attempt.response;
    const { session, settings } = attempt;
    const log = c.get('log');

    const ip = c.get('clientIp');
    const requestId = c.get('requestId');
    const outcome = await completeSecondFactor(deps, c, {
      method: 'email_otp', session, answer: formText(form.code, 64) || null,
      verify: async (tx, typed) => {
        const code = normaliseEmailOtpInput(typed);
        // Not the code's own try (SECURITY E2), but a guess at the account's second factor.
        if (!code) return { ok: false, reason: 'malformed' };
        const check = await checkEmailOtp(tx, key, { userId: session.user.id, sessionIdHash: session.idHash, code, now: deps.clock.now(), maxAttempts: settings.maxAttempts });
        return check.ok ? { ok: true, proof: check, details: { trigger: EMAIL_OTP_TRIGGER } } : check;
      },
      onSuccess: async (tx, check) => {
        const now = deps.clock.now();
        await writeAudit(tx, deps.config.session.secret, {
          event: 'email_otp.used', at: now, actor: { userId: session.user.id }, userId: session.user.id,
          ip, requestId, details: { code: check.id, trigger: EMAIL_OTP_TRIGGER },
        });
        // Re-enrolment (SECURITY E3): the policy's `on: email_otp_used` rules, in this transaction.
        await fireReenrollmentTrigger(tx, deps, {
          userId: session.user.id, trigger: EMAIL_OTP_TRIGGER, role: session.user.role, type: session.user.type, now,
          actor: { userId: session.user.id }, ip, requestId,
        });
      },
    });
    if (!outcome.ok) {
      if (outcome.reason === 'restricted') return redirectToEnrolment(c, prefix, rd);
      if (outcome.reason === 'blocked') return page(c, attempt, rd, 'waiting', `${c.get('t')(VERIFY_LIMITED)} ${c.get('t')('Try again in {{wait}}.', { wait: waitWords(outcome.retryAfterMs, c.get('t')) })}`, 429);
      if (outcome.reason === 'empty' || outcome.failure === 'malformed') return page(c, attempt, rd, 'waiting', MALFORMED_CODE, 400);
      return page(c, attempt, rd, 'waiting', WRONG_CODE, 401);
    }
    log.info({ event: 'email_otp.used', trigger: EMAIL_OTP_TRIGGER }, 'signed in with an email code');
    return c.redirect(rd, 303);
  });

  return app;
}

/**
 * Wakes the delivery worker (after the commit) and reports how the first try went. A failed send
 * leaves the message pending and retried by the worker, which also audits `delivery.failed`.
 */
async function awaitDelivery(deps: Pick<RouteDeps, 'db' | 'delivery'>, messageId: string, log: Logger): Promise<EmailOtpPageState> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      deps.delivery.poke(),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, DELIVERY_WAIT_MS); }),
    ]);
  } catch (error) {
    log.warn({ err: String(error), message: messageId }, 'delivery worker not reachable; the message stays queued');
  } finally {
    clearTimeout(timer);
  }
  const delivery = await outboxDeliveryOf(deps.db, messageId);
  if (delivery?.status === 'email_sent') return 'sent';
  if (delivery?.status === 'failed') return 'failed';
  return delivery?.failedAttempt ? 'delayed' : 'sending';
}
