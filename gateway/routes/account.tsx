import { translatable } from '../i18n/i18n.js';
import { Hono } from 'hono';
import { AccountPage, type AccountSessionView } from '../../views/pages/account.js';
import { ObligationsNotice } from '../../views/components/obligations-notice.js';
import { openObligations, withState } from '../recovery/reenrollment.js';
import { writeAudit } from '../audit/write.js';
import { accountFactors } from '../factors/summary.js';
import { deviceName, type DeviceWords } from '../core/device-name.js';
import { sha256Hex } from '../security/hash.js';
import { clearSessionCookie } from '../http/cookies.js';
import type { AppEnv } from '../http/env.js';
import { factorAllowed } from '../policy/engine.js';
import { listUserSessions } from '../session/store.js';
import type { RouteDeps } from './deps.js';
import { ACCOUNT_SECURITY_ERRORS, ACCOUNT_SECURITY_NOTICES } from './account-security.js';
import { createGuards } from './guards/index.js';
import { headerUser } from './second-factor-gate.js';

const NOTICES: Record<string, string> = {
  'totp-enrolled': translatable('Your authenticator app is set up. You will be asked for a code when you sign in.'),
  'session-ended': translatable('That browser is signed out.'),
};

/**
 * Names a session on the page without its id hash: a hash of it, so the page holds nothing that
 * looks a session up elsewhere, and a form can name the one to end.
 */
export const sessionHandle = (idHash: string) => sha256Hex(`session-handle:${idHash}`).slice(0, 32);

/** `GET P/account` and `POST P/account/sessions/revoke-all`: the user's own factors and sessions. */
export function accountRoutes(deps: RouteDeps) {
  const { config } = deps;
  const prefix = config.server.prefix;
  const app = new Hono<AppEnv>();
  // Signed in; a user with a second factor passes it before seeing devices and sessions. The
  // enrolment rule: where a first factor is set up, and a recovery session's new one.
  const mayOpen = createGuards(deps).requireSecondFactor({ enrolment: true, back: () => `${prefix}/account` });

  app.get('/account', mayOpen, async (c) => {
    const session = c.var.signedIn;
    const { user } = session;
    const { policy } = deps.policies.current();
    const factors = await accountFactors(deps.db, user.id);
    const nowMs = deps.clock.nowMs();
    // A sign-in that stopped at the password, while the account holds a second factor, never
    // finished: it is no place the user is signed in, so it is not listed (this one always is).
    // It is still worth a word: whoever started it knew the password.
    const words: DeviceWords = (key, values) => c.var.t(key, values ?? {});
    const holdsSecondFactor = factors.totpConfirmedAt !== null || factors.keys.length > 0;
    const live = (await listUserSessions(deps.db, user.id))
      .filter((s) => s.expiresAt.getTime() > nowMs && nowMs - s.lastSeenAt.getTime() <= config.session.idle_timeout)
      .sort((a, b) => b.lastSeenAt.getTime() - a.lastSeenAt.getTime());
    const finished = (s: (typeof live)[number]) => s.idHash === session.idHash || s.authLevel >= 2 || !holdsSecondFactor;
    const unfinished = live.filter((s) => !finished(s)).map((s) => ({ device: deviceName(s.userAgent, words), ip: s.ip, at: s.createdAt }));
    const sessions: AccountSessionView[] = live.filter(finished)
      .map((s) => ({
        handle: sessionHandle(s.idHash), current: s.idHash === session.idHash, createdAt: s.createdAt, lastSeenAt: s.lastSeenAt,
        ip: s.ip, device: deviceName(s.userAgent, words), userAgent: s.userAgent,
      }));
    return c.html(
      <AccountPage
        prefix={prefix} csrfToken={c.get('csrfToken')} user={headerUser(session)} timeZone={config.server.time_zone}
        totp={{ enabled: policy.factors.totp.enabled, confirmedAt: factors.totpConfirmedAt }}
        webauthn={{ enabled: policy.factors.webauthn.enabled, keys: factors.keys }}
        backupCodesLeft={factorAllowed(policy, 'backup_codes', user.role, user.type) ? factors.backupCodesLeft : null}
        lowThreshold={policy.factors.backup_codes.low_threshold}
        sessions={sessions} unfinished={unfinished} restricted={session.restricted}
        notice={NOTICES[c.req.query('notice') ?? ''] ?? ACCOUNT_SECURITY_NOTICES[c.req.query('notice') ?? ''] ?? null}
        error={ACCOUNT_SECURITY_ERRORS[c.req.query('error') ?? ''] ?? null}
        passwordHere={deps.directory.passwordOwner({ directoryId: user.fromDirectory ? 'directory' : null }) !== 'directory_only'}
      >
        <ObligationsNotice prefix={prefix} timeZone={config.server.time_zone} obligations={(await openObligations(deps.db, user.id)).map((o) => withState(o, nowMs))} />
      </AccountPage>,
    );
  });

  // End one session: another browser, or this one (which signs out here).
  app.post('/account/sessions/:handle/revoke', mayOpen, async (c) => {
    const session = c.var.signedIn;
    const { user } = session;
    const target = (await listUserSessions(deps.db, user.id)).find((s) => sessionHandle(s.idHash) === c.req.param('handle'));
    if (!target) return c.redirect(`${prefix}/account`, 303);
    await deps.db.transaction(async (tx) => {
      await deps.sessions.revoke(tx, target.idHash);
      await writeAudit(tx, deps.config.session.secret, {
        event: 'session.revoked', at: deps.clock.now(), actor: { userId: user.id }, userId: user.id,
        ip: c.get('clientIp'), requestId: c.get('requestId'), reason: 'Signed out one browser',
        details: { count: 1, device: deviceName(target.userAgent), current: target.idHash === session.idHash },
      });
    });
    c.get('log').info({ event: 'session.revoked', count: 1 }, 'user signed out one browser');
    if (target.idHash !== session.idHash) return c.redirect(`${prefix}/account?notice=session-ended`, 303);
    clearSessionCookie(c, config);
    return c.redirect(`${prefix}/login?notice=signed-out`, 303);
  });

  app.post('/account/sessions/revoke-all', mayOpen, async (c) => {
    const { user } = c.var.signedIn;
    const count = await deps.db.transaction(async (tx) => {
      const revoked = await deps.sessions.revokeAllForUser(tx, user.id);
      await writeAudit(tx, deps.config.session.secret, {
        event: 'session.revoked', at: deps.clock.now(), actor: { userId: user.id }, userId: user.id,
        ip: c.get('clientIp'), requestId: c.get('requestId'), reason: 'Signed out everywhere', details: { count: revoked.length },
      });
      return revoked.length;
    });
    c.get('log').info({ event: 'session.revoked', count }, 'user signed out everywhere');
    clearSessionCookie(c, config);
    return c.redirect(`${prefix}/login?notice=signed-out`, 303);
  });

  return app;
}
