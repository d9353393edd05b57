import { translatable } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import QRCode from 'qrcode';
import { EnrollPage, type TotpEnrolmentView } from '../../views/pages/enroll.js';
import { MessagePage } from '../../views/pages/message.js';
import { writeAudit } from '../audit/write.js';
import { finishStepUp, stepUpSession } from '../auth/second-factor.js';
import type { UserFactors } from '../factors/summary.js';
import { afterEnrolment, issueBackupCodesIfNone } from '../factors/first-enrolment.js';
import { confirmTotpEnrolment, loadPendingTotp, resumeTotpEnrolment, startTotpEnrolment, totpSealingKey, type PendingTotp } from '../factors/totp.js';
import type { AppEnv } from '../http/env.js';
import { completeAfterEnrolment } from '../recovery/reenrollment.js';
import { formText } from '../http/form.js';
import { totpUri } from '../security/totp.js';
import type { SessionView } from '../session/store.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';
import { headerUser, withRd } from './second-factor-gate.js';

const WRONG_CODE = translatable('That code is not valid. Check that the clock on your phone is right and enter the code the app shows now.');
const EXPIRED = translatable('This setup took too long or was replaced in another window. Scan the new code below and try again.');

/** `GET P/enroll`, `POST P/enroll/totp`: adding a second factor (SECURITY T3). */
export function enrollRoutes(deps: RouteDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const key = totpSealingKey(config.session.secret);
  const app = new Hono<AppEnv>();
  const { requireSecondFactor } = createGuards(deps);

  /** Where to go once enrolled: the page's `rd`, from the query or the posted form. */
  const rdOf = async (c: Context<AppEnv>) =>
    deps.safeRedirect(c.req.method === 'GET' ? c.req.query('rd') : formText((await c.req.parseBody()).rd, 2048), c.req.header('host'), '');
  /**
   * Anyone may set up a first factor, and a recovery session its new one (SECURITY R3); a user who
   * holds a factor adds or replaces one only with a second factor passed within the last 10
   * minutes, as for new backup codes: a stale or stolen session must not swap the authenticator.
   */
  const mayEnrol = requireSecondFactor({ fresh: true, enrolment: true, back: async (c) => withRd(`${prefix}/enroll`, await rdOf(c)) });

  const pendingInput = (session: SessionView, now = deps.clock.now()) => ({ userId: session.user.id, sessionIdHash: session.idHash, now });

  async function totpView(session: SessionView, pending: PendingTotp): Promise<TotpEnrolmentView> {
    // The key URI format reserves ':' as the issuer/account separator.
    const issuer = deps.policies.current().policy.factors.totp.issuer.replaceAll(':', ' ');
    const uri = totpUri({ secret: pending.secret, issuer, account: session.user.email.replaceAll(':', '') });
    const svg = await QRCode.toString(uri, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' });
    return { factorId: pending.factorId, secret: pending.secret, uri, issuer, qrDataUrl: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}` };
  }

  async function page(c: Context<AppEnv>, g: { session: SessionView; factors: UserFactors }, rd: string, pending: PendingTotp | null, error: string | null, status: 200 | 400) {
    const { policy } = deps.policies.current();
    return c.html(
      <EnrollPage
        prefix={prefix} csrfToken={c.get('csrfToken')} user={headerUser(g.session)} rd={rd}
        totp={pending ? await totpView(g.session, pending) : null}
        webauthn={policy.factors.webauthn.enabled}
        replacing={g.factors.totp} restricted={g.session.restricted} required={!g.factors.any && rd !== ''}
        error={error}
      />,
      status,
    );
  }

  app.get('/enroll', mayEnrol, async (c) => {
    const rd = await rdOf(c);
    const g = { session: c.var.signedIn, factors: c.var.factors };
    const totpEnabled = deps.policies.current().policy.factors.totp.enabled;
    // Showing a secret means storing it (sealed, unconfirmed, bound to this session) so the code
    // typed next can be checked. Idempotent per session: a reload shows the same secret.
    const pending = totpEnabled ? await resumeTotpEnrolment(deps.db, key, pendingInput(g.session)) : null;
    return page(c, g, rd, pending, null, 200);
  });

  app.post('/enroll/totp', mayEnrol, async (c) => {
    const form = await c.req.parseBody();
    const rd = await rdOf(c);
    const g = { session: c.var.signedIn, factors: c.var.factors };
    const { session } = g;
    const log = c.get('log');
    if (!deps.policies.current().policy.factors.totp.enabled) {
      log.info({ event: 'totp.enrolment_refused', reason: 'totp_disabled' }, 'TOTP is turned off by policy');
      return c.html(<MessagePage prefix={prefix} title={translatable("Not available")} message={translatable("Authenticator apps are turned off for this site.")} link={{ href: `${prefix}/enroll`, label: translatable('Back') }} />, 404);
    }
    const factorId = formText(form.factor, 64);
    const now = deps.clock.now();
    const result = await deps.db.transaction(async (tx) => {
      const outcome = await confirmTotpEnrolment(tx, key, { ...pendingInput(session, now), factorId, code: formText(form.code, 32) });
      if (!outcome.ok) return outcome;
      await writeAudit(tx, deps.config.session.secret, {
        event: 'totp.enrolled', at: now, actor: { userId: session.user.id }, userId: session.user.id,
        ip: c.get('clientIp'), requestId: c.get('requestId'), details: { factorId, replaced: outcome.replacedConfirmed },
      });
      // A first factor or a recovery session is now backed by the factor just proved; a restricted
      // session becomes an ordinary one.
      const fresh = session.authLevel < 2 || session.restricted
        ? await stepUpSession(deps, c, tx, session, 'totp', { details: { enrolment: true } })
        : null;
      const codesIssued = await issueBackupCodesIfNone(tx, deps, session.user, c.get('clientIp'), c.get('requestId'));
      // Re-enrolment: a new factor meets `enroll_second_factor`.
      await completeAfterEnrolment(tx, { serverSecret: deps.config.session.secret, userId: session.user.id, now, via: 'totp.enrolled', codesIssued, ip: c.get('clientIp'), requestId: c.get('requestId') });
      return { ...outcome, fresh, codesIssued };
    });

    if (!result.ok) {
      log.info({ event: 'totp.enrolment_refused', reason: result.reason }, 'TOTP enrolment refused');
      const pending = await loadPendingTotp(deps.db, key, { ...pendingInput(session, now), factorId });
      if (pending) return page(c, g, rd, pending, WRONG_CODE, 400);
      return page(c, g, rd, await startTotpEnrolment(deps.db, key, pendingInput(session, now)), EXPIRED, 400);
    }
    deps.sessions.forgetUser(session.user.id);
    log.info({ event: 'totp.enrolled', steppedUp: result.fresh !== null, replaced: result.replacedConfirmed }, 'TOTP enrolled');
    if (result.fresh) await finishStepUp(deps, c, session.user.id, result.fresh);
    const next = deps.safeRedirect(rd, c.req.header('host'), `${prefix}/account?notice=totp-enrolled`);
    return c.redirect(afterEnrolment(prefix, result.codesIssued, next), 303);
  });

  return app;
}
