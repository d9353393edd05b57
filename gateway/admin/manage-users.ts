/**
 * Account management from the dashboard (issue 27 item 6): add a user (an invitation), disable and
 * enable, role, type and groups, end sessions, invite again. Owners and super_admins only, on a
 * fresh second factor, never on their own account (admin/permissions.ts); each action is one
 * transaction that changes the account and writes its audit row (`user.invited`, `user.disabled`,
 * `user.enabled`, `user.updated` with before and after, `session.revoked`).
 */
import { findUserByEmail, updateUser } from '../../db/queries/users.js';
import { writeAudit } from '../audit/write.js';
import { enqueueEmail } from '../delivery/outbox.js';
import { recoveryNoticeEmail } from '../delivery/templates/index.js';
import type { ActingAdmin } from './actions.js';
import { disableAccount, enableAccount } from './account-state.js';
import { applyUserGroups } from './groups.js';
import { inviteNewUser, reinviteUser, type InvitationContext } from './invitations.js';
import { accountFor, climbLadder, conflict, forbidden, directoryOwns, mayManage, type ManageDeps, type ManageFailure } from './manage-ladder.js';
import { checkAccountAccess, checkNewAccount, type NewAccountField } from './new-account.js';
import { mayAssignRole } from './permissions.js';

export type FormInput = Partial<Record<NewAccountField, string | undefined>>;

/** Rolls back a transaction whose insert hit the unique address index (PGlite will not commit it). */
class DuplicateEmail extends Error {}

function invitationContext(deps: ManageDeps, who: ActingAdmin): InvitationContext {
  return {
    serverSecret: deps.config.session.secret, publicUrl: deps.config.server.public_url, prefix: deps.config.server.prefix,
    now: deps.clock.now(), actor: { userId: who.actor.id }, ip: who.ip, requestId: who.requestId, via: 'dashboard',
  };
}

async function pokeDelivery(deps: ManageDeps): Promise<void> {
  // The message is committed in the outbox either way; the worker's next round sends it.
  await deps.delivery?.poke().catch(() => {});
}

export async function addUser(deps: ManageDeps, who: ActingAdmin, input: FormInput): Promise<{ ok: true; userId: string } | ManageFailure> {
  const outcome = await deps.db.transaction(async (tx): Promise<{ ok: true; userId: string } | ManageFailure> => {
    const allowed = await mayManage(tx, deps, who);
    if (!allowed.ok) return allowed;
    if (deps.config.directory.kind === 'ldap') return conflict('directory_kind');
    const checked = checkNewAccount(input);
    if (!checked.ok) return { ok: false, reason: 'invalid', problems: checked.problems };
    const role = mayAssignRole(allowed.actor, checked.value.role);
    if (!role.ok) return forbidden(role.refusal);
    if (await findUserByEmail(tx, checked.value.email)) return conflict('duplicate_email');
    const invited = await inviteNewUser(tx, checked.value, invitationContext(deps, who));
    if (!invited.ok) throw new DuplicateEmail();
    return { ok: true, userId: invited.user.id };
  }).catch((error: unknown) => {
    if (error instanceof DuplicateEmail) return conflict('duplicate_email');
    throw error;
  });
  if (outcome.ok) await pokeDelivery(deps);
  return outcome;
}

export async function resendInvitation(deps: ManageDeps, who: ActingAdmin, userId: string): Promise<{ ok: true } | ManageFailure> {
  const outcome = await deps.db.transaction(async (tx): Promise<{ ok: true } | ManageFailure> => {
    const climbed = await climbLadder(tx, deps, who, userId, {});
    if (!climbed.ok) return climbed;
    const { target } = climbed;
    if (directoryOwns(deps.config, target.directoryId !== null)) return forbidden('directory_owned');
    if (target.passwordHash) return conflict('has_password');
    if (!target.active) return conflict('account_disabled');
    await reinviteUser(tx, target, invitationContext(deps, who));
    return { ok: true };
  });
  if (outcome.ok) await pokeDelivery(deps);
  return outcome;
}

export type Changed = { ok: true; changed: boolean };

export async function setUserActive(deps: ManageDeps, who: ActingAdmin, userId: string, active: boolean): Promise<Changed | ManageFailure> {
  return deps.db.transaction(async (tx): Promise<Changed | ManageFailure> => {
    const climbed = await climbLadder(tx, deps, who, userId, { active });
    if (!climbed.ok) return climbed;
    const { target } = climbed;
    const context = { serverSecret: deps.config.session.secret, now: deps.clock.now(), actor: { userId: who.actor.id }, ip: who.ip, requestId: who.requestId };
    if (active) {
      // Disabled by the directory, not here: only the directory can let them back in.
      if (!target.active && !target.disabledByAdmin && directoryOwns(deps.config, target.directoryId !== null)) return conflict('directory_disabled');
      return { ok: true, changed: (await enableAccount(tx, target, context)).changed };
    }
    const done = await disableAccount(tx, target, { ...context, endSessions: (t, id) => deps.sessions.revokeAllForUser(t, id) });
    return { ok: true, changed: done.changed };
  });
}

export async function endUserSessions(deps: ManageDeps, who: ActingAdmin, userId: string): Promise<{ ok: true; count: number } | ManageFailure> {
  const outcome = await deps.db.transaction(async (tx): Promise<{ ok: true; count: number } | ManageFailure> => {
    const climbed = await climbLadder(tx, deps, who, userId, { endSessions: true });
    if (!climbed.ok) return climbed;
    const { target } = climbed;
    const now = deps.clock.now();
    const revoked = await deps.sessions.revokeAllForUser(tx, target.id);
    await writeAudit(tx, deps.config.session.secret, {
      event: 'session.revoked', at: now, actor: { userId: who.actor.id }, userId: target.id, ip: who.ip, requestId: who.requestId,
      details: { count: revoked.length, by: 'administrator' },
    });
    // The owner hears of it: an unwanted sign-out does not go unseen.
    if (revoked.length > 0 && target.active) {
      await enqueueEmail(tx, deps.config.session.secret, { kind: 'recovery_notice', to: target.email, userId: target.id, email: recoveryNoticeEmail({ name: target.name, language: target.language, action: 'sessions_revoked', when: now }) }, now);
    }
    return { ok: true, count: revoked.length };
  });
  if (outcome.ok && outcome.count > 0) await pokeDelivery(deps);
  return outcome;
}

/** Role, user type and named groups in one change, audited once with what each was and became. */
export async function changeUserAccess(deps: ManageDeps, who: ActingAdmin, userId: string, input: FormInput): Promise<Changed | ManageFailure> {
  const outcome = await deps.db.transaction(async (tx): Promise<Changed | ManageFailure> => {
    const allowed = await mayManage(tx, deps, who);
    if (!allowed.ok) return allowed;
    const checked = checkAccountAccess(input, { required: true });
    if (!checked.ok) return { ok: false, reason: 'invalid', problems: checked.problems };
    const wanted = checked.value;
    const climbed = await accountFor(tx, deps, allowed, userId, wanted);
    if (!climbed.ok) return climbed;
    const { target } = climbed;
    const now = deps.clock.now();
    const details: Record<string, unknown> = {};
    if (wanted.role !== target.role) details.role = { from: target.role, to: wanted.role };
    if (wanted.type !== target.type) details.type = { from: target.type, to: wanted.type };
    if (details.role || details.type) {
      // Someone who is no longer an administrator keeps no administrator permissions to come back to.
      const demoted = wanted.role === 'user' && (target.dataProtectionLevel > 0 || target.expertMode);
      await updateUser(tx, target.id, { role: wanted.role, type: wanted.type, ...(demoted ? { dataProtectionLevel: 0, expertMode: false } : {}) }, now);
      if (demoted) details.permissions_cleared = { data_protection_level: target.dataProtectionLevel, expert_mode: target.expertMode };
    }
    const groups = await applyUserGroups(tx, target.id, wanted.groups);
    if (groups) details.groups = groups;
    if (Object.keys(details).length === 0) return { ok: true, changed: false };
    await writeAudit(tx, deps.config.session.secret, {
      event: 'user.updated', at: now, actor: { userId: who.actor.id }, userId: target.id, ip: who.ip, requestId: who.requestId, details,
    });
    return { ok: true, changed: true };
  });
  // This instance at once; the others re-read the session within their re-check window (1 s).
  if (outcome.ok && outcome.changed) deps.sessions.forgetUser(userId);
  return outcome;
}
