/** One user's dashboard page, as every `P/admin/users/<id>` route draws it (after an action too, with its error). */
import type { Context } from 'hono';
import { AdminMessagePage } from '../../../views/pages/admin/message.js';
import { UserDetailPage } from '../../../views/pages/admin/user-detail.js';
import { recentRequestsOf } from '../../../db/queries/admin.js';
import { describeUser } from '../../../db/queries/admin-users.js';
import { groupsOfUser } from '../../../db/queries/user-groups.js';
import { ROLES } from '../../../db/schema/index.js';
import { directoryOwns } from '../../admin/manage-ladder.js';
import { MAX_DATA_PROTECTION_LEVEL } from '../../admin/manage.js';
import { hasDataProtection, mayAssignRole, mayUseOn, permissionRules } from '../../admin/permissions.js';
import type { AppEnv } from '../../http/env.js';
import { countLiveSessions } from '../../session/store.js';
import type { RouteDeps } from '../deps.js';
import type { AdminPass } from '../guards/index.js';
import { accountActionAvailability, unavailableReason } from './availability.js';

const RECENT_REQUESTS = 10;

export interface UserPageOptions {
  error?: string | null;
  notice?: string | null;
  status?: 200 | 400 | 403 | 404 | 409;
}

export function createUserPage(deps: Pick<RouteDeps, 'db' | 'config' | 'clock' | 'policies'>) {
  const prefix = deps.config.server.prefix;
  const timeZone = deps.config.server.time_zone;

  return async function renderUser(c: Context<AppEnv>, pass: AdminPass, userId: string, options: UserPageOptions = {}) {
    const target = await describeUser(deps.db, userId);
    if (!target) {
      return c.html(<AdminMessagePage {...pass.shell} section="users" title="Not found" message="There is no such user." link={{ href: `${prefix}/admin/users`, label: 'All users' }} />, 404);
    }
    const { policy } = deps.policies.current();
    const rules = permissionRules(policy);
    const nowMs = deps.clock.nowMs();
    const base = `${prefix}/admin/users/${target.id}`;
    const manage = mayUseOn(pass.who.actor, 'manage_admins', rules, pass.who.credential, nowMs, target, pass.shell.superAdmins);
    // A stale second factor still shows the forms: submitting one asks for it (SECURITY D2).
    const manageAccount = unavailableReason(pass, 'manage_users', rules, nowMs, target) === null;
    const groups = await groupsOfUser(deps.db, target.id);
    return c.html(
      <UserDetailPage
        {...pass.shell} target={target} timeZone={timeZone} reasons={policy.recovery.reasons}
        requests={hasDataProtection(pass.who.actor, rules) ? await recentRequestsOf(deps.db, target.id, RECENT_REQUESTS) : null}
        actions={target.active ? { base, onRequest: false, sms: false, unavailable: accountActionAvailability(pass, rules, nowMs, target) } : null}
        managePermissions={manage.ok ? { maxLevel: MAX_DATA_PROTECTION_LEVEL } : null}
        groups={groups}
        manageAccount={manageAccount ? {
          base, groups, target, liveSessions: await countLiveSessions(deps.db, target.id, deps.clock.now()),
          roles: ROLES.filter((role) => mayAssignRole(pass.who.actor, role).ok),
          directoryOwned: directoryOwns(deps.config, target.source === 'directory'),
        } : null}
        error={options.error ?? null} notice={options.notice ?? null}
      />,
      options.status ?? 200,
    );
  };
}
