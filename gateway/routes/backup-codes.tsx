import { translatable } from '../i18n/i18n.js';
import { Hono, type Context } from 'hono';
import { BackupCodesPage } from '../../views/pages/backup-codes.js';
import { BackupCodeChallengePage } from '../../views/pages/backup-code-challenge.js';
import { MessagePage } from '../../views/pages/message.js';
import { BackupCodeHoldersTable, BackupCodeStats } from '../../views/partials/backup-code-stats.js';
import { Layout } from '../../views/layout.js';
import { listBackupCodeHolders } from '../../db/queries/backup-codes.js';
import { completeSecondFactor } from '../auth/complete-second-factor.js';
import {
  backupCodesAllowed,
  countUnusedBackupCodes,
  generateBackupCodeSet,
  isLowOnBackupCodes,
  loadBackupCodeStats,
  recordBackupCodeUse,
  redeemBackupCode,
  revealBackupCodes,
} from '../factors/backup-codes.js';
import type { AppEnv } from '../http/env.js';
import { completeObligations, fireReenrollmentTrigger } from '../recovery/reenrollment.js';
import { formText } from '../http/form.js';
import { headerUser, redirectToEnrolment, withRd } from './second-factor-gate.js';
import type { RouteDeps } from './deps.js';
import { createGuards } from './guards/index.js';
import { waitWords } from '../core/wait-words.js';

const HOLDERS_PER_PAGE = 50;
const MAX_PAGE = 10_000;
const GENERIC_FAILURE = translatable('That code did not work. Check it and try again, or use another way to sign in.');

type Ctx = Context<AppEnv>;

/** Backup codes: the once-only display, regeneration, sign-in with a code, and the admin statistics. */
export function backupCodeRoutes(deps: RouteDeps) {
  const prefix = deps.config.server.prefix;
  const policy = () => deps.policies.current().policy;
  const app = new Hono<AppEnv>();
  const { requireSecondFactor, requireAdmin } = createGuards(deps);

  const message = (c: Ctx, status: 403 | 404 | 429, title: string, text: string, link?: { href: string; label: string }) =>
    c.html(<MessagePage prefix={prefix} title={title} message={text} {...(link ? { link } : {})} />, status);
  const notAvailable = (c: Ctx) => message(c, 404, translatable('Not available'), translatable('Backup codes are not available for your account.'));
  const toLogin = (c: Ctx, rd: string) => c.redirect(withRd(`${prefix}/login`, rd), c.req.method === 'GET' ? 302 : 303);

  // Showing the set consumes its one-time display: a GET that changes state, on purpose (SECURITY
  // B4, shown once). Reloading, the back button or a prefetch cannot bring the codes back.
  app.get('/backup-codes', async (c) => {
    const session = c.get('session');
    if (!session) return toLogin(c, `${prefix}/backup-codes`);
    if (session.authLevel < 2 && !session.restricted) return c.redirect(withRd(`${prefix}/2fa`, `${prefix}/backup-codes`), 302);
    if (!backupCodesAllowed(policy(), session.user)) return notAvailable(c);
    const shown = await deps.db.transaction((tx) => revealBackupCodes(tx, deps, session.user.id));
    if (!shown.ok && shown.reason === 'unreadable') c.get('log').error({ event: 'backup_codes.display_unreadable' }, 'a waiting backup-code set could not be opened');
    const codesLeft = await countUnusedBackupCodes(deps.db, session.user.id);
    const next = deps.safeRedirect(c.req.query('rd'), c.req.header('host'), `${prefix}/account`);
    return c.html(
      <BackupCodesPage
        prefix={prefix} csrfToken={c.get('csrfToken')} user={headerUser(session)} next={next}
        codesLeft={codesLeft} lowThreshold={policy().factors.backup_codes.low_threshold}
        {...(shown.ok ? { codes: shown.codes } : {})}
      />,
    );
  });

  // A new set voids the old one and is shown at once: a fresh second factor first (SECURITY B4).
  app.post('/backup-codes/regenerate', requireSecondFactor({ fresh: true, back: () => `${prefix}/account` }), async (c) => {
    const session = c.var.signedIn;
    if (!backupCodesAllowed(policy(), session.user)) return notAvailable(c);
    const outcome = await deps.db.transaction(async (tx) => {
      const generated = await generateBackupCodeSet(tx, deps, session.user.id, { userId: session.user.id }, c.get('clientIp'), c.get('requestId'));
      // Re-enrolment: a new set meets `regenerate_backup_codes`.
      if (generated.ok) {
        await completeObligations(tx, {
          serverSecret: deps.config.session.secret,
          userId: session.user.id, requirement: 'regenerate_backup_codes', now: deps.clock.now(), via: 'backup_codes.generated',
          ip: c.get('clientIp'), requestId: c.get('requestId'),
        });
      }
      return generated;
    });
    if (!outcome.ok) {
      c.get('log').warn({ event: 'backup_codes.regenerate_refused', reason: outcome.reason }, 'backup codes not generated');
      return notAvailable(c);
    }
    deps.sessions.forgetUser(session.user.id);
    return c.redirect(`${prefix}/backup-codes`, 303);
  });

  app.get('/2fa/backup-code', (c) => {
    const session = c.get('session');
    const rd = deps.safeRedirect(c.req.query('rd'), c.req.header('host'), '/');
    if (!session) return toLogin(c, rd);
    // A recovery session may only enrol (SECURITY R3); completeSecondFactor refuses its answer too.
    if (session.restricted) return redirectToEnrolment(c, prefix, rd);
    if (!backupCodesAllowed(policy(), session.user)) return notAvailable(c);
    return c.html(<BackupCodeChallengePage prefix={prefix} csrfToken={c.get('csrfToken')} rd={rd} user={headerUser(session)} />);
  });

  app.post('/2fa/backup-code', async (c) => {
    const session = c.get('session');
    const form = await c.req.parseBody();
    const rd = deps.safeRedirect(formText(form.rd, 2048), c.req.header('host'), '/');
    if (!session) return toLogin(c, rd);
    if (session.restricted) return redirectToEnrolment(c, prefix, rd);
    const log = c.get('log');
    const form401 = (status: 400 | 401, error: string) =>
      c.html(<BackupCodeChallengePage prefix={prefix} csrfToken={c.get('csrfToken')} rd={rd} user={headerUser(session)} error={error} />, status);
    if (!backupCodesAllowed(policy(), session.user)) {
      log.info({ event: 'second_factor.failed', method: 'backup_code', reason: 'not_allowed' }, 'backup codes not allowed for this user');
      return notAvailable(c);
    }
    const ip = c.get('clientIp');
    const requestId = c.get('requestId');
    const outcome = await completeSecondFactor(deps, c, {
      method: 'backup_code', session, answer: formText(form.code, 128) || null,
      verify: async (tx, typed) => {
        const redeemed = await redeemBackupCode(tx, deps, { user: session.user, typed, ip });
        return redeemed.ok ? { ok: true, proof: redeemed, details: { codes_left: redeemed.codesLeft } } : redeemed;
      },
      onSuccess: async (tx, redeemed) => {
        await recordBackupCodeUse(tx, deps, { user: session.user, codeId: redeemed.codeId, codesLeft: redeemed.codesLeft, ip, requestId, language: c.get('language') });
        // Re-enrolment: `backup_code_used` (and `backup_codes_low` at or below low_threshold) take
        // effect with the sign-in, in this transaction.
        const trigger = {
          userId: session.user.id, role: session.user.role, type: session.user.type, now: deps.clock.now(),
          actor: { userId: session.user.id }, ip, requestId,
        };
        await fireReenrollmentTrigger(tx, deps, { ...trigger, trigger: 'backup_code_used' });
        if (isLowOnBackupCodes(redeemed.codesLeft, policy())) {
          await fireReenrollmentTrigger(tx, deps, { ...trigger, trigger: 'backup_codes_low', details: { codes_left: redeemed.codesLeft } });
        }
      },
    });
    if (!outcome.ok) {
      if (outcome.reason === 'restricted') return redirectToEnrolment(c, prefix, rd);
      if (outcome.reason === 'empty') return form401(400, translatable('Enter one of your backup codes.'));
      if (outcome.reason === 'blocked') return tooManyAttempts(c, outcome.retryAfterMs);
      // The policy changed between the page and the check.
      if (outcome.failure === 'not_allowed') return notAvailable(c);
      return form401(401, GENERIC_FAILURE);
    }
    log.info({ event: 'backup_code.used', codes_left: outcome.proof.codesLeft }, 'signed in with a backup code');
    await pokeDelivery(c);
    return c.redirect(rd, 303);
  });

  app.get('/admin/backup-codes', requireAdmin('dashboard'), async (c) => {
    const admin = c.var.admin;
    const stats = await loadBackupCodeStats(deps.db, { policy: policy(), timeZone: deps.config.server.time_zone, now: deps.clock.now() });
    const table = await holdersPage(pageOf(c));
    return c.html(
      <Layout title="Backup codes" prefix={prefix} user={headerUser(admin.session)} csrfToken={c.get('csrfToken')} wide>
        <h1>Backup codes</h1>
        <BackupCodeStats stats={stats} {...table} />
      </Layout>,
    );
  });

  app.get('/admin/backup-codes/table', requireAdmin('dashboard', { back: () => `${prefix}/admin/backup-codes` }), async (c) => {
    return c.html(<BackupCodeHoldersTable {...await holdersPage(pageOf(c))} />);
  });

  async function holdersPage(page: number) {
    const rows = await listBackupCodeHolders(deps.db, { limit: HOLDERS_PER_PAGE + 1, offset: (page - 1) * HOLDERS_PER_PAGE });
    return {
      prefix, page, holders: rows.slice(0, HOLDERS_PER_PAGE), hasMore: rows.length > HOLDERS_PER_PAGE,
      lowThreshold: policy().factors.backup_codes.low_threshold, timeZone: deps.config.server.time_zone,
    };
  }

  // completeSecondFactor has logged the block and set Retry-After.
  function tooManyAttempts(c: Ctx, retryAfterMs: number): Response | Promise<Response> {
    const t = c.get('t');
    return message(c, 429, translatable('Too many attempts'), t('There have been too many failed attempts on this account. Try again in {{wait}}, or ask for help.', { wait: waitWords(retryAfterMs, t) }), {
      href: `${prefix}/assist`, label: translatable('Ask for help'),
    });
  }

  async function pokeDelivery(c: Ctx): Promise<void> {
    try {
      await deps.delivery.poke();
    } catch (error) {
      // The message is committed in the outbox; the worker's next round sends it.
      c.get('log').warn({ err: String(error) }, 'delivery worker not poked');
    }
  }

  return app;
}

function pageOf(c: Ctx): number {
  const page = Number(c.req.query('page') ?? '1');
  return Number.isInteger(page) && page >= 1 && page <= MAX_PAGE ? page : 1;
}
