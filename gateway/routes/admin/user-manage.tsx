/**
 * Adding and managing accounts on the dashboard (CONTRACT §8.3, §8.4; issue 27 item 6): the add
 * form and its invitation, role, type and groups, disable and enable, end sessions, invite again.
 * `requireAdmin('manage_users')` lets only owners and super_admins with a second factor passed in
 * the last 10 minutes through (a stale one gets the step-up prompt); the domain functions in
 * admin/manage-users.ts check everything again inside their transaction, account by account.
 */
import { Hono, type Context } from 'hono';
import { EmailTaken, UserNewPage, type NewUserValues } from '../../../views/pages/admin/user-new.js';
import { findUserByEmail } from '../../../db/queries/users.js';
import { ROLES } from '../../../db/schema/index.js';
import { INVITATION_TTL_MS } from '../../admin/invitations.js';
import type { ManageFailure } from '../../admin/manage-ladder.js';
import { addUser, changeUserAccess, endUserSessions, resendInvitation, setUserActive } from '../../admin/manage-users.js';
import { NEW_ACCOUNT_FIELDS } from '../../admin/new-account.js';
import { describeRefusal, mayAssignRole } from '../../admin/permissions.js';
import { isValidEmail } from '../../core/email.js';
import type { AppEnv } from '../../http/env.js';
import type { RouteDeps } from '../deps.js';
import { adminRefusal, type AdminPass, type Guards } from '../guards/index.js';
import { createUserPage } from './user-page.js';
import { USER_ID } from './users.js';

type Ctx = Context<AppEnv>;

const ACCOUNT_ACTIONS = ':action{disable|enable|end-sessions|invite|access}';

const CONFLICTS: Readonly<Record<Extract<ManageFailure, { reason: 'conflict' }>['problem'], string>> = {
  directory_kind: 'People come from the organisation\'s directory here (directory.kind: ldap): add them there; they appear at their first sign-in or with recourse directory sync.',
  duplicate_email: 'A user with this email already exists.',
  directory_disabled: 'This account is disabled in the organisation\'s directory: enable it there.',
  has_password: 'This user has chosen a password already; if they lost it, send them an access email.',
  account_disabled: 'The account is disabled: enable it first.',
};

export function failureSentences(failure: ManageFailure): string[] {
  switch (failure.reason) {
    case 'forbidden': return [describeRefusal(failure.refusal)];
    case 'invalid': return failure.problems.map((problem) => `${problem.message[0]!.toUpperCase()}${problem.message.slice(1)}.`);
    case 'not_found': return ['There is no such user.'];
    case 'conflict': return [CONFLICTS[failure.problem]];
  }
}

function failureStatus(failure: ManageFailure): 400 | 403 | 404 | 409 {
  return failure.reason === 'invalid' ? 400 : failure.reason === 'forbidden' ? 403 : failure.reason === 'not_found' ? 404 : 409;
}

export function adminUserManageRoutes(deps: RouteDeps, { requireAdmin, requireSecondFactor }: Guards) {
  const prefix = deps.config.server.prefix;
  const newPath = `${prefix}/admin/users/new`;
  const renderUser = createUserPage(deps);
  const app = new Hono<AppEnv>();
  const manage = (back?: string) => requireAdmin('manage_users', back ? { back: () => back } : {});

  function newUserPage(c: Ctx, pass: AdminPass, values: NewUserValues, problems: string[], status: 200 | 400 | 403 | 409) {
    return c.html(
      <UserNewPage
        {...pass.shell} values={values} problems={problems} invitationDays={INVITATION_TTL_MS / 86_400_000}
        closed={deps.config.directory.kind === 'ldap'}
        roles={ROLES.filter((role) => mayAssignRole(pass.who.actor, role).ok)}
      />,
      status,
    );
  }

  // A page load with a stale second factor goes to the step-up first and comes back here.
  app.get('/admin/users/new', requireSecondFactor({ fresh: true }), manage(), async (c) => {
    const pass = c.var.admin;
    const directory = deps.config.directory.kind === 'ldap';
    return newUserPage(c, pass, {}, directory ? [CONFLICTS.directory_kind] : [], directory ? 409 : 200);
  });

  // The add form's address check as the administrator types (htmx); the POST checks again.
  app.get('/admin/users/new/email', manage(newPath), async (c) => {
    const email = (c.req.query('email') ?? '').trim();
    const taken = isValidEmail(email) && (await findUserByEmail(deps.db, email)) !== undefined;
    return c.html(<EmailTaken taken={taken} />);
  });

  app.post('/admin/users', manage(newPath), async (c) => {
    const pass = c.var.admin;
    const form = await c.req.parseBody();
    const values = Object.fromEntries(NEW_ACCOUNT_FIELDS.map((field) => [field, fieldOf(form[field])])) as NewUserValues;
    const outcome = await addUser(deps, pass.who, values);
    if (!outcome.ok) {
      c.get('log').info({ event: 'admin.user_add_refused', outcome }, 'adding a user refused');
      if (outcome.reason === 'forbidden' && outcome.refusal === 'second_factor_required') return adminRefusal(c, pass.shell, outcome.refusal, newPath);
      return newUserPage(c, pass, values, failureSentences(outcome), failureStatus(outcome) as 400 | 403 | 409);
    }
    c.get('log').info({ event: 'admin.user_invited', target: outcome.userId }, 'user added and invited');
    return c.redirect(`${prefix}/admin/users/${outcome.userId}?notice=invited`, 303);
  });

  app.post(`/admin/users/${USER_ID}/${ACCOUNT_ACTIONS}`, manage(), async (c) => {
    const pass = c.var.admin;
    const userId = c.req.param('id').toLowerCase();
    const action = c.req.param('action');
    const userPath = `${prefix}/admin/users/${userId}`;
    const form = await c.req.parseBody();
    const outcome = action === 'disable' ? await setUserActive(deps, pass.who, userId, false)
      : action === 'enable' ? await setUserActive(deps, pass.who, userId, true)
        : action === 'end-sessions' ? await endUserSessions(deps, pass.who, userId)
          : action === 'invite' ? await resendInvitation(deps, pass.who, userId)
            : await changeUserAccess(deps, pass.who, userId, { role: fieldOf(form.role), type: fieldOf(form.type), groups: fieldOf(form.groups) });
    if (!outcome.ok) {
      c.get('log').info({ event: 'admin.user_manage_refused', action, target: userId, outcome }, 'account change refused');
      if (outcome.reason === 'forbidden' && outcome.refusal === 'second_factor_required') return adminRefusal(c, pass.shell, outcome.refusal, userPath);
      return renderUser(c, pass, userId, { error: failureSentences(outcome).join(' '), status: failureStatus(outcome) });
    }
    c.get('log').info({ event: 'admin.user_managed', action, target: userId }, 'account changed');
    const changed = !('changed' in outcome) || outcome.changed;
    return c.redirect(`${userPath}?notice=${changed ? NOTICE_OF[action] : 'unchanged'}`, 303);
  });

  return app;
}

/**
 * A posted field as typed (the body limit bounds it); the domain checks lengths and says which field
 * is wrong, rather than a too-long value turning silently into an empty one. A repeated field or a
 * file is no value.
 */
function fieldOf(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

const NOTICE_OF: Readonly<Record<string, string>> = {
  disable: 'disabled', enable: 'enabled', 'end-sessions': 'sessions_ended', invite: 'reinvited', access: 'access',
};
