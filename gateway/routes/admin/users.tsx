import { Hono, type Context } from 'hono';
import { UsersPage } from '../../../views/pages/admin/users.js';
import { searchUsers } from '../../../db/queries/admin-users.js';
import { resetUserSecondFactor, sendAccessEmail, sendRecoveryCodeEmail, type ActionFailure } from '../../admin/actions.js';
import { pageOf, userCursor } from '../../admin/cursor.js';
import { parseUserQuery } from '../../admin/filters.js';
import { MAX_DATA_PROTECTION_LEVEL, setAdminPermissions } from '../../admin/manage.js';
import { describeRefusal, mayUse, permissionRules } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import { postedFields } from './availability.js';
import { adminRefusal, type AdminPass, type Guards } from '../guards/index.js';
import { failureMessage, failureStatus, NOTICES } from './outcomes.js';
import { pokeDelivery } from './poke.js';
import { createUserPage } from './user-page.js';
import { actionParam, capabilityOfAction, USER_ACTION_CAPABILITY } from './action-capabilities.js';

type Ctx = Context<AppEnv>;

const PAGE_SIZE = 50;
export const USER_ID = ':id{[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}}';
const ACTIONS = actionParam(USER_ACTION_CAPABILITY);

/**
 * `P/admin/users`: search and filters, one user's page, the recovery actions on an account, and
 * admins' permissions; adding and managing accounts is in user-manage.tsx.
 */
export function adminUserRoutes(deps: RouteDeps, { requireAdmin }: Guards) {
  const prefix = deps.config.server.prefix;
  const timeZone = deps.config.server.time_zone;
  const app = new Hono<AppEnv>();
  const renderUser = createUserPage(deps);

  app.get('/admin/users', requireAdmin('dashboard'), async (c) => {
    const pass = c.var.admin;
    const parsed = parseUserQuery(c.req.query(), PAGE_SIZE + 1);
    const search = parsed.ok ? parsed.value : { q: '', role: null, type: null, status: null, after: null, limit: PAGE_SIZE + 1 };
    if (!parsed.ok) c.get('log').info({ event: 'admin.bad_filter', param: parsed.param }, 'user filter refused; showing everyone');
    const page = pageOf(await searchUsers(deps.db, search), PAGE_SIZE, userCursor);
    const manage = mayUse(pass.who.actor, 'manage_users', permissionRules(deps.policies.current().policy), pass.who.credential, deps.clock.nowMs());
    // Under ldap people are added in the directory (docs/directory.md).
    const canAdd = deps.config.directory.kind === 'local' && (manage.ok || manage.refusal === 'second_factor_required');
    return c.html(
      <UsersPage
        {...pass.shell} rows={page.items} nextCursor={page.nextCursor} timeZone={timeZone} canAdd={canAdd}
        lowThreshold={deps.policies.current().policy.factors.backup_codes.low_threshold}
        filter={{ q: search.q, role: search.role ?? 'all', type: search.type ?? 'all', status: search.status ?? 'all' }}
      />,
      parsed.ok ? 200 : 400,
    );
  });

  app.get(`/admin/users/${USER_ID}`, requireAdmin('dashboard'), async (c) => {
    return renderUser(c, c.var.admin, c.req.param('id').toLowerCase(), { notice: NOTICES[c.req.query('notice') ?? ''] ?? null });
  });

  // The action's own capability (with its fresh second factor) before anything is read; the action
  // checks it again with its right over the account.
  app.post(`/admin/users/${USER_ID}/${ACTIONS}`, requireAdmin(capabilityOfAction(USER_ACTION_CAPABILITY)), async (c) => {
    const userId = c.req.param('id').toLowerCase();
    const action = c.req.param('action') as keyof typeof USER_ACTION_CAPABILITY;
    const userPath = `${prefix}/admin/users/${userId}`;
    const pass = c.var.admin;
    const fields = postedFields(await c.req.parseBody());
    const target = { userId };
    const outcome = action === 'send-recovery-code' ? await sendRecoveryCodeEmail(deps, pass.who, target, fields)
      : action === 'send-access-email' ? await sendAccessEmail(deps, pass.who, target, fields)
        : await resetUserSecondFactor(deps, pass.who, target, fields);
    if (!outcome.ok) {
      c.get('log').info({ event: 'admin.action_refused', action, target: userId, outcome }, 'administrator action refused');
      return refused(c, pass, userId, outcome, userPath);
    }
    c.get('log').info({ event: 'admin.action', action, target: userId }, 'administrator action done');
    await pokeDelivery(deps.delivery, c);
    const notice = action === 'reset-2fa' ? 'reset' : action === 'send-access-email' ? 'access_sent' : 'code_sent';
    return c.redirect(`${userPath}?notice=${notice}`, 303);
  });

  app.post(`/admin/users/${USER_ID}/permissions`, requireAdmin('manage_admins'), async (c) => {
    const userId = c.req.param('id').toLowerCase();
    const userPath = `${prefix}/admin/users/${userId}`;
    const pass = c.var.admin;
    const form = await c.req.parseBody();
    const levelText = typeof form.data_protection_level === 'string' ? form.data_protection_level.trim() : '';
    const outcome = await setAdminPermissions(deps, pass.who, userId, {
      dataProtectionLevel: /^\d{1,2}$/.test(levelText) ? Number(levelText) : Number.NaN,
      expertMode: form.expert_mode === 'on',
    });
    if (!outcome.ok) {
      c.get('log').info({ event: 'admin.permissions_refused', target: userId, outcome }, 'permission change refused');
      if (outcome.reason === 'forbidden') return renderUser(c, pass, userId, { error: describeRefusal(outcome.refusal), status: 403 });
      if (outcome.reason === 'not_found') return renderUser(c, pass, userId, {});
      return renderUser(c, pass, userId, { error: `The data-protection level is a whole number from 0 to ${MAX_DATA_PROTECTION_LEVEL}.`, status: 400 });
    }
    return c.redirect(`${userPath}?notice=permissions`, 303);
  });

  function refused(c: Ctx, pass: AdminPass, userId: string, failure: ActionFailure, userPath: string) {
    if (failure.reason === 'forbidden' && failure.refusal === 'second_factor_required') return adminRefusal(c, pass.shell, failure.refusal, userPath);
    return renderUser(c, pass, userId, { error: failureMessage(failure, 'user'), status: failureStatus(failure) });
  }

  return app;
}
